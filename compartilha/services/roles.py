"""Roles: `admin` and `user`. The instance keeps an enabled admin at all times, or no one
could govern it; its first account becomes one."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..errors import AdminOnly, LastAdmin
from ..extensions import db
from ..models import User

ADMIN, USER = "admin", "user"
ROLES = (ADMIN, USER)


def first_role() -> str:
    """`admin` for the account that finds no admin (the first of an empty instance).
    Two sign-ups racing on an empty instance may both become admins: that locks no one
    out, where a lock on an empty table would have nothing to hold."""
    return USER if db.session.scalar(select(User.id).where(User.role == ADMIN).limit(1)) else ADMIN


def require_admin(user: User) -> User:
    """The user, if an enabled admin; 403 `admin_only` otherwise."""
    if user.role != ADMIN or user.disabled_at is not None:
        raise AdminOnly()
    return user


def _enabled_admins() -> object:
    return (select(func.count(User.id))
            .where(User.role == ADMIN, User.disabled_at.is_(None)))


def lock_admins() -> None:
    """Serialise every change that could remove an enabled admin, until the caller commits
    or rolls back: a no-op UPDATE of the admins' rows locks them on MariaDB and takes the
    write lock on SQLite. Earlier reads are committed first, so that the count that follows
    is read after the lock (MariaDB's snapshot starts at a transaction's first read)."""
    db.session.commit()
    db.session.execute(update(User).where(User.role == ADMIN).values(role=User.role)
                       .execution_options(synchronize_session=False))


def keep_an_admin(user: User, *, alone_ok: bool = False) -> None:
    """Refuse (409 `last_admin`) a change that would leave no enabled admin once `user`
    is no longer one; call after `lock_admins`. `alone_ok`: the account is the instance's
    only one (deleting it empties the instance, whose next account becomes admin)."""
    if user.role != ADMIN or user.disabled_at is not None:
        return
    others = db.session.scalar(_enabled_admins().where(User.id != user.id))  # type: ignore[attr-defined]
    if others:
        return
    if alone_ok and not db.session.scalar(select(User.id).where(User.id != user.id).limit(1)):
        return
    db.session.rollback()
    raise LastAdmin()
