"""Mailed tokens (compartilha/services/verification.py): verifying addresses and resetting
passwords, single use, hashed, expiring, throttled; sign-up and email changes that use them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from compartilha.errors import InvalidToken, NotAuthenticated, TooManyRequests
from compartilha.extensions import db
from compartilha.models import AccountToken, User
from compartilha.services import accounts, verification
from tests.mailbox import links_in, outbox
from tests.services.conftest import PASSWORD


def token_of(message) -> str:
    """The token of a mailed link: after the `#`."""
    [link] = links_in(message)
    return link.partition("#")[2]


def last_mail(app, to: str):
    return [m for m in outbox(app) if m["To"] == to][-1]


def test_sign_up_mails_a_link_that_verifies_once(ctx):
    done = accounts.sign_up("Bia", "Bia@Example.com", PASSWORD, "en")
    assert (done.name, done.email) == ("Bia", "bia@example.com")
    message = last_mail(ctx, "bia@example.com")
    assert message["Subject"] == "Confirm your email address"
    [link] = links_in(message)
    assert link.startswith("http://127.0.0.1:8000/verify#")
    token = token_of(message)
    stored = db.session.query(AccountToken).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()  # never the token
    user = accounts.user_at("bia@example.com")
    assert user.verified_at is None and user.language == "en"
    assert verification.verify(token).verified_at is not None
    with pytest.raises(InvalidToken):
        verification.verify(token)  # single use


def test_an_expired_or_unknown_token_verifies_nothing(ctx, user):
    verification.send_verification(user)
    token = token_of(last_mail(ctx, user.email))
    record = db.session.query(AccountToken).one()
    record.expires_at = record.created_at - timedelta(seconds=1)
    db.session.commit()
    for wrong in (token, "nope", token + "x"):
        with pytest.raises(InvalidToken):
            verification.verify(wrong)
    assert db.session.get(User, user.id).verified_at is None


def test_a_taken_address_creates_nothing_and_mails_its_owner(ctx, user):
    done = accounts.sign_up("Eve", "ANA@example.com", "eve's password", "en")
    assert (done.name, done.email) == ("Eve", "ana@example.com")
    assert db.session.query(User).count() == 1
    message = last_mail(ctx, "ana@example.com")
    assert message["Subject"] == "Alguém tentou criar uma conta com o seu endereço"  # hers
    assert links_in(message) == ["http://127.0.0.1:8000/forgot"]


def test_a_new_email_is_unverified_and_the_old_address_is_told(ctx, user):
    verification.send_verification(user)
    old_token = token_of(last_mail(ctx, "ana@example.com"))
    accounts.update_profile(user, email="ana.nova@example.com", password=PASSWORD)
    assert user.verified_at is None
    told = last_mail(ctx, "ana@example.com")
    assert told["Subject"] == "O endereço de e-mail da sua conta foi alterado"
    assert "ana.nova@example.com" in told.get_body(("plain",)).get_content()
    with pytest.raises(InvalidToken):  # a link to the old address proves nothing now
        verification.verify(old_token)
    verification.verify(token_of(last_mail(ctx, "ana.nova@example.com")))
    assert user.verified_at is not None


def test_resend_is_throttled_and_quiet_once_verified(ctx, user):
    for _ in range(5):
        verification.resend(user)
    with pytest.raises(TooManyRequests):
        verification.resend(user)
    assert len(outbox(ctx)) == 5
    verification.verify(token_of(outbox(ctx)[-1]))
    verification.resend(user)
    assert len(outbox(ctx)) == 5


def test_only_the_newest_link_works(ctx, user):
    verification.send_verification(user)
    first = token_of(last_mail(ctx, user.email))
    verification.send_verification(user)
    with pytest.raises(InvalidToken):
        verification.verify(first)
    verification.verify(token_of(last_mail(ctx, user.email)))


def test_a_reset_sets_the_password_ends_every_session_and_works_once(ctx, user):
    session = accounts.login("ana@example.com", PASSWORD)
    verification.request_reset("ANA@example.com")
    message = last_mail(ctx, "ana@example.com")
    assert message["Subject"] == "Redefina sua senha"
    [link] = links_in(message)
    assert link.startswith("http://127.0.0.1:8000/reset#")
    token = token_of(message)
    verification.confirm_reset(token, "a brand new password")
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(session.token)
    assert accounts.login("ana@example.com", "a brand new password").token
    assert db.session.get(User, user.id).verified_at is not None  # the link proved it
    with pytest.raises(InvalidToken):
        verification.confirm_reset(token, "yet another password")


def test_a_reset_for_an_unknown_address_mails_nobody(ctx, user):
    verification.request_reset("nobody@example.com")
    verification.request_reset("not an address")
    assert outbox(ctx) == []


def test_a_reset_link_is_short_lived_and_not_a_verification(ctx, user):
    verification.request_reset(user.email)
    token = token_of(last_mail(ctx, user.email))
    with pytest.raises(InvalidToken):
        verification.verify(token)  # another purpose
    record = db.session.query(AccountToken).one()
    assert record.expires_at - record.created_at == timedelta(hours=1)
    record.expires_at = record.created_at
    db.session.commit()
    with pytest.raises(InvalidToken):
        verification.confirm_reset(token, "a brand new password")


def test_reset_mails_to_one_account_are_throttled_silently(ctx, user):
    for _ in range(5):
        verification.request_reset(user.email)  # no error: the answer never changes
    assert len(outbox(ctx)) == 3  # RATELIMIT_PASSWORD_RESET_ACCOUNT


def test_the_operator_verifies_an_address(ctx, user):
    result = ctx.test_cli_runner().invoke(args=["users", "verify", "ANA@example.com"])
    assert result.exit_code == 0, result.output
    assert f"user {user.id} <ana@example.com> is verified" in result.output
    assert db.session.get(User, user.id).verified_at is not None
    result = ctx.test_cli_runner().invoke(args=["users", "verify", "nobody@example.com"])
    assert result.exit_code != 0
