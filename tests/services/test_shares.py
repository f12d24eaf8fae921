from datetime import timedelta

import pytest

from compartilha.errors import (
    InvalidField,
    ShareExpired,
)
from compartilha.models.columns import utcnow
from compartilha.services import accounts, share_access, shares
from tests.services.conftest import PASSWORD, stored


def test_options_are_checked(user):
    file_id = stored(user.id).id
    with pytest.raises(InvalidField):
        shares.create(user.id, file_id, max_downloads=0)
    with pytest.raises(InvalidField):
        shares.create(user.id, file_id, expires_at=utcnow() - timedelta(days=1))
    share = shares.create(user.id, file_id, expires_at=utcnow() + timedelta(days=1))
    assert shares.state(share, utcnow() + timedelta(days=2)) == "expired"
    share.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(ShareExpired):
        share_access.resolve(share.token)


def test_my_links_filter_by_state_and_search_by_file_name(user):
    report = stored(user.id, name="Relatório 100%_final.pdf")
    photo = stored(user.id, name="foto.png")
    open_link = shares.create(user.id, report.id)
    used_up = shares.create(user.id, photo.id, max_downloads=1)
    used_up.download_count = 1
    revoked = shares.create(user.id, photo.id)
    shares.revoke(user.id, revoked.id)
    expiring = shares.create(user.id, report.id, expires_at=utcnow() + timedelta(days=1))
    expiring.expires_at = utcnow() - timedelta(seconds=1)
    other = accounts.register("Rui", "rui@example.com", PASSWORD)
    shares.create(other.id, stored(other.id, name="relatório.pdf").id)

    def ids(**kwargs):
        return [s.id for s in shares.list_for(user.id, **kwargs)]

    assert ids() == [expiring.id, revoked.id, used_up.id, open_link.id]
    assert ids(ended=False) == [open_link.id]
    assert ids(ended=True) == [expiring.id, revoked.id, used_up.id]
    assert ids(name="RELAT") == [expiring.id, open_link.id]  # SQLite folds ASCII only
    assert ids(name="100%_") == [expiring.id, open_link.id]
    assert ids(name="0%x") == [] and ids(name="_") == [expiring.id, open_link.id]
    assert ids(name="foto", ended=False) == []
    assert ids(name="  ") == ids()


def test_change_edits_every_option_and_keeps_the_token(user):
    first, second = stored(user.id, b"1", "1.txt"), stored(user.id, b"2", "2.txt")
    share = shares.create(user.id, file_ids=[first.id, second.id], title="Dois")
    token = share.token
    changed = shares.change(user.id, share.id, title=None, message="oi", max_downloads=2,
                            password="segredo", expires_at=utcnow() + timedelta(days=1))
    assert changed.token == token and changed.title is None and changed.message == "oi"
    assert changed.max_downloads == 2 and changed.password_hash and changed.expires_at
    changed = shares.change(user.id, share.id, password=None, max_downloads=None,
                            expires_at=None, file_ids=[second.id])
    assert changed.password_hash is None and changed.max_downloads is None
    assert changed.file_id == second.id and changed.items == []  # one file: a one-file link
    changed = shares.change(user.id, share.id, file_ids=[first.id, second.id])
    assert changed.file_id is None and [i.file_id for i in changed.items] == [first.id,
                                                                             second.id]
    with pytest.raises(InvalidField):
        shares.change(user.id, share.id, title="t" * 256)
