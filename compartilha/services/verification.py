"""Mailed tokens: verifying an address and resetting a forgotten password (docs/security.md).

A token is 32 random bytes, mailed as a link; only its SHA-256 is stored. It works once,
until it expires (verification: 48 hours, reset: 1 hour), and only for the address it
was mailed to. A reset request answers the same whether or not the address has an
account, and is throttled per client (the route) and per account (here, silently).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from .. import crypto
from ..errors import InvalidToken, TooManyRequests
from ..extensions import db
from ..logs import event, mask_email
from ..models import AccountToken, Session, User
from ..models.columns import utcnow
from . import api_tokens, mail, password_login, throttle, validation

VERIFY, RESET = "verify", "reset"
LIFETIMES = {VERIFY: timedelta(hours=48), RESET: timedelta(hours=1)}
PAGES = {VERIFY: "/verify", RESET: "/reset"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(user: User, purpose: str) -> str:
    """A new token for the user's current address; older unused ones of that purpose end."""
    now = utcnow()
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_digest(token),
                                email=user.email, created_at=now,
                                expires_at=now + LIFETIMES[purpose]))
    db.session.commit()
    return token


def _mail_link(user: User, purpose: str, token: str) -> None:
    hours = int(LIFETIMES[purpose].total_seconds() // 3600)
    # The token rides in the fragment: browsers do not send it, so no log records it.
    mail.send(user.email, purpose, lang=user.language,
              context={"name": user.name, "url": mail.link(f"{PAGES[purpose]}#{token}"),
                       "hours": hours})


def send_verification(user: User) -> None:
    """Mail the account a link that proves its current address."""
    _mail_link(user, VERIFY, _issue(user, VERIFY))
    event("verification.sent", user_id=user.id, email=mask_email(user.email))


def resend(user: User) -> None:
    """Another verification link (RATELIMIT_VERIFY_RESEND per account); none when the
    address is verified already."""
    if user.verified_at is not None:
        return
    throttle.take("verify-resend", str(user.id))
    send_verification(user)


def _redeem(token: str, purpose: str) -> tuple[AccountToken, User]:
    found = db.session.execute(
        select(AccountToken, User).join(User, User.id == AccountToken.user_id)
        .where(AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose)
    ).one_or_none()
    if found is None or not found[0].usable(utcnow()) or found[0].email != found[1].email:
        raise InvalidToken(field="token")
    record, user = found
    record.used_at = utcnow()
    return record, user


def verify(token: str) -> User:
    """Mark the address the token was mailed to as verified; InvalidToken when unknown,
    used, expired, or mailed to an address the account no longer has."""
    _, user = _redeem(token, VERIFY)
    user.verified_at = user.verified_at or utcnow()
    db.session.commit()
    event("verification.done", user_id=user.id, email=mask_email(user.email))
    return user


def _user_at(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == validation.email_key(email)))


def verify_by_operator(email: str) -> User:
    """`flask users verify EMAIL`: for operators without mail."""
    user = _user_at(email)
    if user is None:
        raise InvalidToken("No account has this address.", field="email")
    user.verified_at = user.verified_at or utcnow()
    db.session.commit()
    event("verification.by_operator", user_id=user.id, email=mask_email(user.email))
    return user


def request_reset(email: str) -> None:
    """Mail a reset link if an account has this address; nothing otherwise, and the
    caller answers the same either way. An account asked for more than
    RATELIMIT_PASSWORD_RESET_ACCOUNT times gets no more mail for a while, silently.
    403 when PASSWORD_LOGIN is off."""
    password_login.require()
    user = _user_at(email)
    if user is None:
        event("password_reset.unknown", email=mask_email(validation.email_key(email)))
        return
    try:
        throttle.take("password-reset-account", str(user.id))
    except TooManyRequests:
        return
    send_reset(user)


def send_reset(user: User) -> None:
    """Mail the account a reset link (also what an admin sends: `services.admin`)."""
    _mail_link(user, RESET, _issue(user, RESET))
    event("password_reset.sent", user_id=user.id, email=mask_email(user.email))


def confirm_reset(token: str, new_password: str) -> User:
    """Set the new password; every session and every API token of the account ends.
    Opening the mailed link proved the address too. 403 when PASSWORD_LOGIN is off."""
    password_login.require()
    validation.password(new_password, field="new_password")
    _, user = _redeem(token, RESET)
    user.password_hash = crypto.hash_password(new_password, current_app.config["SCRYPT_N"])
    user.verified_at = user.verified_at or utcnow()
    db.session.execute(update(Session).where(Session.user_id == user.id,
                                             Session.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    api_tokens.revoke_all(user.id, reason="password_reset", commit=False)
    db.session.commit()
    event("password_reset.done", user_id=user.id)
    return user
