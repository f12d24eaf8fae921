from datetime import timedelta

import pytest

from compartilha.errors import (
    InvalidField,
    PasswordRequired,
    ShareExpired,
    ShareNotFound,
    ShareRevoked,
    WrongSharePassword,
)
from compartilha.models.columns import utcnow
from compartilha.services import accounts, shares
from tests.services.conftest import PASSWORD, stored


def test_a_link_resolves_until_it_is_revoked(user):
    share = shares.create(user.id, stored(user.id).id)
    assert shares.resolve(share.token) == share and shares.state(share) == "active"
    shares.revoke(user.id, share.id)
    with pytest.raises(ShareRevoked):
        shares.resolve(share.token)
    with pytest.raises(ShareNotFound):
        shares.resolve("x" * 43)


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
        shares.resolve(share.token)


def test_a_password_is_asked_and_checked(user):
    share = shares.create(user.id, stored(user.id).id, password="s3cret")
    with pytest.raises(PasswordRequired):
        shares.check_password(share, None)
    with pytest.raises(WrongSharePassword):
        shares.check_password(share, "wrong", "client")
    shares.check_password(share, "s3cret", "client")


def test_a_link_addressed_to_someone_exists_only_for_them(user):
    share = shares.create(user.id, stored(user.id).id, recipient_email="Bia@Example.com")
    with pytest.raises(ShareNotFound):
        shares.resolve(share.token, user)
    bia = accounts.register("Bia", "bia@example.com", PASSWORD)
    assert shares.resolve(share.token, bia) == share
    assert shares.shared_with(bia) == [share]


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
