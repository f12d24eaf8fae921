"""What both kinds of link have: an unguessable token, and options checked alike — an
expiry, a password, a message, a title (share links, `shares`; upload links,
`file_requests`). Each check returns the cleaned value or raises InvalidField."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app

from .. import crypto
from ..errors import InvalidField, PasswordRequired, WrongSharePassword
from ..models.columns import utcnow
from ..models.shares import MESSAGE_MAX, TITLE_MAX
from . import settings, throttle, validation

TOKEN_BYTES = 32  # 256 bits from `secrets`
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
LINK_PASSWORD_MIN, LINK_PASSWORD_MAX = 4, 1024


def new_token() -> str:
    """A link's public token: TOKEN_BYTES from `secrets`, URL-safe (matches TOKEN_RE)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidField("Give the expiry with a time zone.", field="expires_at")
    now = utcnow()
    if expires_at <= now:
        raise InvalidField("The expiry must be in the future.", field="expires_at")
    days = settings.current("share_max_days")
    if expires_at > now + timedelta(days=days):
        raise InvalidField("The expiry can be at most %(days)d days ahead.", field="expires_at",
                           params={"days": days})
    return expires_at


def password(value: str | None) -> str | None:
    if value is not None and len(value) < LINK_PASSWORD_MIN:
        raise InvalidField("The link password needs at least %(min)d characters.",
                           field="password", params={"min": LINK_PASSWORD_MIN})
    if value is not None and len(value) > LINK_PASSWORD_MAX:
        raise InvalidField("The link password can have at most %(max)d characters.",
                           field="password", params={"max": LINK_PASSWORD_MAX})
    return value


def hashed(value: str | None) -> str | None:
    """A checked password as the link stores it (None: no password)."""
    return None if value is None else crypto.hash_password(value, current_app.config["SCRYPT_N"])


def message(value: str | None) -> str | None:
    if value is None:
        return None
    value = "\n".join(validation.clean_text(line).rstrip() for line in
                      value.strip().splitlines())
    if len(value) > MESSAGE_MAX:
        raise InvalidField("The message can have at most %(max)d characters.", field="message",
                           params={"max": MESSAGE_MAX})
    return value or None


def title(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(validation.clean_text(value).split())
    if len(value) > TITLE_MAX:
        raise InvalidField("The title can have at most %(max)d characters.", field="title",
                           params={"max": TITLE_MAX})
    return value or None


def check_password(password_hash: str | None, given: str | None, client: str, subject: str,
                   failed: Callable[[], None]) -> None:
    """A visitor's password for the link `subject` (its token): nothing when the link has
    none or it is right; 401 otherwise (`failed` is called, to log it). Wrong ones are
    counted per client and link and per link *before* the hash runs, so concurrent
    guesses cannot get more checks than the limit (429 beyond it)."""
    if password_hash is None:
        return
    if not given:
        raise PasswordRequired()
    with throttle.attempt(("share-password", f"{client}|{subject}"),
                          ("share-password-link", subject), failures=(WrongSharePassword,)):
        if not crypto.verify_password(given, password_hash):
            failed()
            raise WrongSharePassword(field="password")
