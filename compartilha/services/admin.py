"""What admins do to accounts: list and search them, change role, quota and whether they
are enabled, end their sessions, mail them a password reset, delete them. Every function
takes the acting admin and checks the role itself (`roles.require_admin`), so no route can
forget to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from ..errors import InvalidField, NotOnYourself, UserNotFound
from ..extensions import db
from ..logs import event
from ..models import File, User
from ..models.columns import utcnow
from . import accounts, api_tokens, roles, settings, two_step, verification
from .files import Page

QUOTA_MAX = settings.BYTES_MAX
QUOTA_FILES_MAX = 2**31 - 1  # an INT
# Whatever the quota is when it is not given: "leave it as it is" (None means "the default").
UNCHANGED: Any = object()


@dataclass(frozen=True)
class Listed:
    """An account as the admin pages show it: with how many files and bytes it holds."""

    user: User
    files: int
    used_bytes: int


_USAGE = (select(File.user_id.label("user_id"), func.count(File.id).label("files"),
                 func.sum(File.size).label("used")).group_by(File.user_id).subquery())
_FILES = func.coalesce(_USAGE.c.files, 0)
_USED = func.coalesce(_USAGE.c.used, 0)
SORTS: dict[str, Any] = {
    "name": User.name, "email": User.email, "verified": User.verified_at, "role": User.role,
    "files": _FILES, "bytes": _USED, "last_login": User.last_login_at,
    "created": User.created_at}
ORDERS = ("asc", "desc")


def _listing() -> Select[User, Any, Any]:
    return select(User, _FILES, _USED).outerjoin(_USAGE, _USAGE.c.user_id == User.id)


def _matching(q: str | None) -> list[Any]:
    if not q or not q.strip():
        return []
    term = q.strip().lower()
    return [or_(func.lower(User.name).contains(term, autoescape=True),
                func.lower(User.email).contains(term, autoescape=True))]


def list_users(actor: User, q: str | None = None, sort: str = "created", order: str = "asc",
               page: int = 1, per_page: int = 50) -> Page[Listed]:
    """Accounts whose name or email contains `q` (any case), sorted by one of SORTS (ties
    by id, so pages never repeat a row)."""
    roles.require_admin(actor)
    if sort not in SORTS:
        raise InvalidField("Sort by one of: %(sorts)s.", field="sort",
                           params={"sorts": ", ".join(SORTS)})
    if order not in ORDERS:
        raise InvalidField("Order is asc or desc.", field="order")
    where = _matching(q)
    column = SORTS[sort]
    ordering = [column.desc(), User.id.desc()] if order == "desc" else [column.asc(), User.id]
    total = db.session.scalar(select(func.count(User.id)).where(*where)) or 0
    rows = db.session.execute(_listing().where(*where).order_by(*ordering)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([Listed(user, int(count), int(used)) for user, count, used in rows],
                total, page, per_page)


@dataclass(frozen=True)
class Totals:
    """What the instance stores: its accounts, and their files and bytes."""

    users: int
    files: int
    bytes: int


def totals(actor: User) -> Totals:
    roles.require_admin(actor)
    users = db.session.scalar(select(func.count(User.id))) or 0
    count, used = db.session.execute(
        select(func.count(File.id), func.coalesce(func.sum(File.size), 0))).one()
    return Totals(int(users), int(count), int(used))


def get_user(actor: User, user_id: int) -> Listed:
    roles.require_admin(actor)
    found = db.session.execute(_listing().where(User.id == user_id)).one_or_none()
    if found is None:
        raise UserNotFound()
    user, count, used = found
    return Listed(user, int(count), int(used))


def _target(actor: User, user_id: int) -> User:
    roles.require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound()
    return user


def _check_quota(quota_bytes: int | None) -> None:
    if quota_bytes is not None and not 0 <= quota_bytes <= QUOTA_MAX:
        raise InvalidField("A quota is between 0 and %(max)d bytes.", field="quota_bytes",
                           params={"max": QUOTA_MAX})


def _check_quota_files(quota_files: int | None) -> None:
    if quota_files is not None and not 0 <= quota_files <= QUOTA_FILES_MAX:
        raise InvalidField("A file quota is between 0 and %(max)d files.",
                           field="quota_files", params={"max": QUOTA_FILES_MAX})


def change(actor: User, user_id: int, *, role: str | None = None,
           disabled: bool | None = None, quota_bytes: int | None = UNCHANGED,
           quota_files: int | None = UNCHANGED, remove_two_step: bool = False) -> Listed:
    """Change an account's role, whether it is disabled, its quota in bytes and in files
    (None: the instance's default; 0: nothing may be stored). An admin cannot demote or
    disable themselves; the last enabled admin cannot be demoted or disabled (checked under
    a lock, so two admins demoting each other at once leave one). Disabling
    ends every session of the account at once. `remove_two_step` removes its two-step
    sign-in (for someone who lost phone and recovery codes; turning it on is the owner's)."""
    if role is not None and role not in roles.ROLES:
        raise InvalidField("A role is admin or user.", field="role")
    if quota_bytes is not UNCHANGED:
        _check_quota(quota_bytes)
    if quota_files is not UNCHANGED:
        _check_quota_files(quota_files)
    user = _target(actor, user_id)
    demoting = role == roles.USER and user.role == roles.ADMIN
    disabling = bool(disabled) and user.disabled_at is None
    if (demoting or disabling) and user.id == actor.id:
        raise NotOnYourself(field="role" if demoting else "disabled")
    if demoting or disabling:
        roles.lock_admins()
        db.session.refresh(user)
        roles.keep_an_admin(user)
    _apply(user, role, disabled, quota_bytes)
    if quota_files is not UNCHANGED:
        user.quota_files = quota_files
    if remove_two_step and two_step.enabled(user):
        two_step.remove(user)
    db.session.commit()
    event("admin.user_changed", actor_id=actor.id, user_id=user.id, role=role,
          disabled=disabled, quota_bytes=None if quota_bytes is UNCHANGED else quota_bytes,
          quota_files=None if quota_files is UNCHANGED else quota_files,
          two_step=False if remove_two_step else None)
    return get_user(actor, user.id)


def _apply(user: User, role: str | None, disabled: bool | None, quota_bytes: Any) -> None:
    if role is not None:
        user.role = role
    if disabled is True and user.disabled_at is None:
        user.disabled_at = utcnow()
        api_tokens.revoke_all(user.id, reason="account_disabled", commit=False)
        accounts.revoke_all(user.id)
    elif disabled is False:
        user.disabled_at = None
    if quota_bytes is not UNCHANGED:
        user.quota_bytes = quota_bytes


def delete(actor: User, user_id: int) -> None:
    """Delete an account with its files (their bytes too), folders and links."""
    user = _target(actor, user_id)
    if user.id == actor.id:
        raise NotOnYourself()
    roles.lock_admins()
    db.session.refresh(user)
    roles.keep_an_admin(user)
    accounts.remove(user)
    event("admin.user_deleted", actor_id=actor.id, user_id=user_id)


def end_sessions(actor: User, user_id: int) -> int:
    """Sign the account out everywhere; how many sessions ended."""
    user = _target(actor, user_id)
    ended = accounts.revoke_all(user.id)
    db.session.commit()
    event("admin.sessions_ended", actor_id=actor.id, user_id=user.id, sessions=ended)
    return ended


def send_reset(actor: User, user_id: int) -> None:
    """Mail the account a password reset link (as its owner's "forgot password" would)."""
    user = _target(actor, user_id)
    verification.send_reset(user)
    event("admin.reset_sent", actor_id=actor.id, user_id=user.id)
