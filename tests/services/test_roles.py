"""Roles: the first account is admin, the last enabled admin stays one."""

from __future__ import annotations

import pytest

from compartilha.errors import AdminOnly, LastAdmin
from compartilha.extensions import db
from compartilha.models.columns import utcnow
from compartilha.services import accounts, roles


def _user(n: int, **kwargs):
    return accounts.register(f"U{n}", f"u{n}@example.com", "correct horse", **kwargs)


def test_the_first_account_is_admin_the_next_ones_users(app):
    with app.app_context():
        assert [_user(n).role for n in range(3)] == ["admin", "user", "user"]
        assert _user(3, admin=True).role == "admin"


def test_require_admin_refuses_users_and_disabled_admins(app):
    with app.app_context():
        first, second = _user(1), _user(2)
        assert roles.require_admin(first) is first
        with pytest.raises(AdminOnly):
            roles.require_admin(second)
        first.disabled_at = utcnow()
        with pytest.raises(AdminOnly):
            roles.require_admin(first)


def test_keep_an_admin(app):
    with app.app_context():
        first, second = _user(1), _user(2)
        roles.lock_admins()
        with pytest.raises(LastAdmin):
            roles.keep_an_admin(first)
        roles.lock_admins()
        roles.keep_an_admin(second)  # a user: nothing to keep
        second.role = roles.ADMIN
        db.session.commit()
        roles.lock_admins()
        roles.keep_an_admin(first)


def test_an_alone_admin_may_go(app):
    with app.app_context():
        first = _user(1)
        roles.lock_admins()
        roles.keep_an_admin(first, alone_ok=True)
        _user(2)
        roles.lock_admins()
        with pytest.raises(LastAdmin):
            roles.keep_an_admin(first, alone_ok=True)
