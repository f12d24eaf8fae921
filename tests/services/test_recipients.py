from datetime import timedelta

import pytest

from compartilha.errors import EmailUnverified, InvalidField, TooManyRequests, WrongShareCode
from compartilha.extensions import db
from compartilha.models import RecipientCode, Share
from compartilha.models.columns import utcnow
from compartilha.services import accounts, recipients, share_access
from tests.services.conftest import PASSWORD, stored


@pytest.fixture
def user(user):
    """The sender: links are mailed only from a verified address."""
    user.verified_at = utcnow()
    db.session.commit()
    return user


def test_an_unverified_sender_mails_nothing_and_makes_no_link(ctx):
    ana = accounts.register("Ana", "ana@example.com", PASSWORD)
    with pytest.raises(EmailUnverified):
        recipients.send(ana, stored(ana.id).id, ["bia@example.com"], lang="en")
    assert db.session.query(Share).count() == 0


def test_addresses_are_canonical_each_once_and_bounded():
    assert recipients.addresses(["Bia@Example.com", "caio@example.com", "BIA@example.com",
                                 "ｂia@example.com"]) == ["bia@example.com", "caio@example.com"]
    for bad in ([], ["bia"], ["ok@example.com", "a@b.c\nBcc: x@y.z"],
                [f"p{n}@example.com" for n in range(recipients.MAX_RECIPIENTS + 1)]):
        with pytest.raises(InvalidField) as caught:
            recipients.addresses(bad)
        assert caught.value.field == "recipients"
    # 50 distinct addresses are fine, duplicates do not count
    many = [f"p{n}@example.com" for n in range(recipients.MAX_RECIPIENTS)]
    assert len(recipients.addresses(many + [many[0].upper()])) == recipients.MAX_RECIPIENTS


def test_send_makes_one_link_each_with_the_options_and_one_password_hash(user):
    links = recipients.send(user, stored(user.id).id, ["bia@example.com", "caio@example.com"],
                            lang="en", password="abre-te", max_downloads=1, message=" Oi \n")
    assert [link.recipient_email for link in links] == ["bia@example.com", "caio@example.com"]
    assert len({link.token for link in links}) == 2
    assert {link.password_hash for link in links} == {links[0].password_hash}
    assert all(link.message == "Oi" and link.max_downloads == 1 for link in links)
    share_access.check_password(links[1], "abre-te", "client")
    with pytest.raises(InvalidField):
        recipients.send(user, links[0].file_id, ["x@example.com"], lang="en",
                        recipient_email="y@example.com")


def _code(share, address="bia@example.com", client="c1") -> str:
    """Ask for a code, then give its row the digest of a known one (the mailed code
    itself is the API tests' business)."""
    recipients.request_code(share, address, client=client, lang="en")
    row = db.session.scalars(db.select(RecipientCode).order_by(RecipientCode.id.desc())).first()
    row.code_hash = recipients._digest(share, address, "123456")
    db.session.commit()
    return "123456"


def test_a_code_proves_the_address_once(user):
    [link] = recipients.send(user, stored(user.id).id, ["bia@example.com"], lang="en")
    code = _code(link)
    with pytest.raises(WrongShareCode):
        recipients.check_code(link, "bia@example.com", "654321", client="c1")
    assert recipients.check_code(link, " Bia@Example.com", "123 456", client="c1") == \
        "bia@example.com"
    with pytest.raises(WrongShareCode):  # used
        recipients.check_code(link, "bia@example.com", code, client="c1")


def test_another_address_gets_no_code_and_the_same_silence(user):
    [link] = recipients.send(user, stored(user.id).id, ["bia@example.com"], lang="en")
    recipients.request_code(link, "caio@example.com", client="c1", lang="en")
    assert db.session.scalars(db.select(RecipientCode)).all() == []
    with pytest.raises(WrongShareCode):
        recipients.check_code(link, "caio@example.com", "000000", client="c1")
    with pytest.raises(InvalidField):
        recipients.request_code(link, "not an address", client="c1", lang="en")


def test_a_code_ends_after_its_tries_or_its_time(user, ctx):
    ctx.config["RATELIMIT_SHARE_CODE_CHECK"] = "100 per hour"
    ctx.config["RATELIMIT_SHARE_CODE_CLIENT"] = "100 per hour"
    from compartilha.services import throttle

    throttle.init_app(ctx)
    [link] = recipients.send(user, stored(user.id).id, ["bia@example.com"], lang="en")
    code = _code(link)
    for _ in range(recipients.CODE_TRIES):
        with pytest.raises(WrongShareCode):
            recipients.check_code(link, "bia@example.com", "000000", client="c1")
    with pytest.raises(WrongShareCode):  # the right one, too late
        recipients.check_code(link, "bia@example.com", code, client="c1")
    code = _code(link)
    row = db.session.scalars(db.select(RecipientCode).order_by(RecipientCode.id.desc())).first()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(WrongShareCode):
        recipients.check_code(link, "bia@example.com", code, client="c1")


def test_codes_mailed_are_limited_per_link_and_address(user):
    [link] = recipients.send(user, stored(user.id).id, ["bia@example.com"], lang="en")
    for _ in range(3):
        recipients.request_code(link, "bia@example.com", client="c1", lang="en")
    with pytest.raises(TooManyRequests):
        recipients.request_code(link, "bia@example.com", client="c2", lang="en")
    live = db.session.scalars(db.select(RecipientCode).where(
        RecipientCode.used_at.is_(None))).all()
    assert len(live) == 1  # each new code ended the one before


def test_who_a_link_admits(user):
    [link] = recipients.send(user, stored(user.id).id, ["bia@example.com"], lang="en")
    assert share_access.admits(link, user)  # its owner
    assert not share_access.admits(link, None)
    assert not share_access.admits(link, None, "caio@example.com")
    assert share_access.admits(link, None, "bia@example.com")
