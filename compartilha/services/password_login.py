"""PASSWORD_LOGIN (default on): whether passwords sign in, sign up and reset here. Off,
people sign in by single sign-on or a passkey, and API tokens keep working; every
password path refuses with 403 `password_login_disabled`."""

from __future__ import annotations

from flask import current_app

from .. import crypto
from ..errors import PasswordLoginDisabled
from ..models import User


def enabled() -> bool:
    return bool(current_app.config["PASSWORD_LOGIN"])


def require() -> None:
    """Refuse (403 `password_login_disabled`) when passwords are turned off."""
    if not enabled():
        raise PasswordLoginDisabled()


def has_password(user: User) -> bool:
    """False for an account made by single sign-on until a reset gives it a password."""
    return crypto.has_password(user.password_hash)
