"""Share links, the owner's side: create with options, list, change, revoke, their state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, not_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import (
    InvalidField,
    PublicLinksDisabled,
    ShareExpired,
    ShareNotFound,
    ShareRevoked,
    ShareUsedUp,
)
from ..extensions import db
from ..logs import event
from ..models import Access, File, Share, User
from ..models.columns import utcnow
from . import events, files, link_options, roles, settings, share_items, validation

MAX_DOWNLOADS_LIMIT = 1_000_000
# An option the owner did not give: the instance's default (default_share_days,
# default_max_downloads) applies. None given means "none": no expiry, no limit.
DEFAULT: Any = object()


def _check_limit(max_downloads: int | None) -> int | None:
    if max_downloads is not None and not 1 <= max_downloads <= MAX_DOWNLOADS_LIMIT:
        raise InvalidField("Give a download limit from %(min)s to %(max)s.",
                           field="max_downloads", params={"min": 1, "max": MAX_DOWNLOADS_LIMIT})
    return max_downloads


def may_create_public(user_id: int, field: str = "recipients") -> None:
    """403 `public_links_disabled` unless the account may create a link for anyone: an
    admin always, a user while users_may_create_public_links is on."""
    if not settings.values(["users_may_create_public_links"])["users_may_create_public_links"]:
        owner = db.session.get(User, user_id)
        if owner is None or owner.role != roles.ADMIN:
            raise PublicLinksDisabled(field=field)


def build(user_id: int, file_id: int | None = None, *, file_ids: list[int] | None = None,
          folder_ids: list[int] | None = None, title: str | None = None,
          expires_at: datetime | None = DEFAULT, max_downloads: int | None = DEFAULT,
          password: str | None = None, recipient_email: str | None = None,
          message: str | None = None, notify_on_download: bool = False) -> Share:
    """A new link with its options checked, added to the session but not committed: to
    one file (`file_id`), or to several things (`file_ids` and `folder_ids`). An expiry
    or download limit not given takes the instance's default. Without a recipient, a user
    (not an admin) may create it only while users_may_create_public_links is on (403
    `public_links_disabled` otherwise)."""
    found = settings.values(["default_share_days", "default_max_downloads"])
    if recipient_email is None:
        may_create_public(user_id)
    if expires_at is DEFAULT:
        days = found["default_share_days"]
        expires_at = None if days is None else utcnow() + timedelta(days=days)
    if max_downloads is DEFAULT:
        max_downloads = found["default_max_downloads"]
    if file_id is not None:
        files.get_owned(user_id, file_id)
        chosen = []
    else:  # not the owner's: 404 before any other answer
        chosen = share_items.choose(user_id, file_ids or [], folder_ids or [])
    # Every option is checked, so one answer names every wrong one.
    checked = validation.check_all({
        "expires_at": lambda: link_options.expiry(expires_at),
        "max_downloads": lambda: _check_limit(max_downloads),
        "password": lambda: link_options.password(password),
        "recipient_email": lambda: None if recipient_email is None else validation.email(
            recipient_email, field="recipient_email"),
        "message": lambda: link_options.message(message),
        "title": lambda: link_options.title(title),
    })
    share = Share(
        file_id=file_id, user_id=user_id, token=link_options.new_token(),
        expires_at=checked["expires_at"], max_downloads=max_downloads,
        recipient_email=checked["recipient_email"], message=checked["message"],
        title=checked["title"], items=chosen,
        password_hash=link_options.hashed(password),
        notify_on_download=notify_on_download,
    )
    db.session.add(share)
    return share


def created(share: Share) -> None:
    """Log a committed new link."""
    event("share.created", share_id=share.id, file_id=share.file_id, user_id=share.user_id,
          expires=share.expires_at is not None, max_downloads=share.max_downloads,
          has_password=share.password_hash is not None,
          has_recipient=share.recipient_email is not None)
    events.share_created(share)


def create(user_id: int, file_id: int | None = None, **options: Any) -> Share:
    """One link (options: those of `build`)."""
    share = build(user_id, file_id, **options)
    db.session.commit()
    created(share)
    return share


def _active(now: datetime) -> ColumnElement[bool]:
    """`state(share) == "active"` in SQL (each part is true or false, never NULL)."""
    return and_(Share.revoked_at.is_(None),
                or_(Share.expires_at.is_(None), Share.expires_at > now),
                or_(Share.max_downloads.is_(None), Share.download_count < Share.max_downloads))


def list_for(user_id: int, *, ended: bool | None = None, name: str = "") -> list[Share]:
    """My links, newest first; `ended` False or True keeps the active or the ended ones,
    `name` those whose file's name or title contains it (any case)."""
    query = (select(Share).outerjoin(Share.file).where(Share.user_id == user_id)
             .options(joinedload(Share.file), selectinload(Share.items))
             .order_by(Share.id.desc()))
    if ended is not None:
        active = _active(utcnow())
        query = query.where(not_(active) if ended else active)
    name = name.strip()[:255]
    if name:
        # "/" escapes: a backslash means different things to MySQL's and SQLite's literals.
        pattern = name.replace("/", "//").replace("%", "/%").replace("_", "/_")
        query = query.where(or_(File.name.ilike(f"%{pattern}%", escape="/"),
                                Share.title.ilike(f"%{pattern}%", escape="/")))
    return list(db.session.scalars(query))


def shared_with(user: User) -> list[Share]:
    """Active shares addressed to the user's email (registered before or after the share),
    once the address is verified: anyone can sign up with someone else's."""
    if not verified(user):
        return []
    now = utcnow()
    query = (
        select(Share)
        .where(Share.recipient_email == user.email, Share.revoked_at.is_(None),
               or_(Share.expires_at.is_(None), Share.expires_at > now),
               or_(Share.max_downloads.is_(None), Share.download_count < Share.max_downloads))
        .options(joinedload(Share.file), joinedload(Share.owner))
        .order_by(Share.id.desc())
    )
    return list(db.session.scalars(query))


def get_owned(user_id: int, share_id: int) -> Share:
    share = db.session.get(Share, share_id)
    if share is None or share.user_id != user_id:
        raise ShareNotFound()
    return share


EDITABLE = ("expires_at", "max_downloads", "password", "title", "message",
            "notify_on_download", "file_ids", "folder_ids")


def change(user_id: int, share_id: int, **changes: Any) -> Share:
    """Change a link's options (a key given as None removes that option) and its items;
    its token stays, and its page and downloads follow at once. Each field is checked, so
    one answer names every wrong one."""
    share = get_owned(user_id, share_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    chosen = (share_items.replaced(share, changes.get("file_ids"), changes.get("folder_ids"))
              if {"file_ids", "folder_ids"} & set(changes) else None)
    checked = validation.check_all({
        name: check for name, check in {
            "expires_at": lambda: link_options.expiry(changes.get("expires_at")),
            "max_downloads": lambda: _check_limit(changes.get("max_downloads")),
            "password": lambda: link_options.password(changes.get("password")),
            "title": lambda: link_options.title(changes.get("title")),
            "message": lambda: link_options.message(changes.get("message")),
        }.items() if name in changes})
    if "expires_at" in checked:
        share.expires_at, share.expiry_notice_at = checked["expires_at"], None
    if "max_downloads" in checked:
        share.max_downloads, share.used_up_notice_at = checked["max_downloads"], None
    if "password" in checked:
        share.password_hash = link_options.hashed(checked["password"])
    for name in ("title", "message"):
        if name in checked:
            setattr(share, name, checked[name])
    if changes.get("notify_on_download") is not None:
        share.notify_on_download = changes["notify_on_download"]
    if chosen is not None:
        share_items.put(share, *chosen)
    db.session.commit()
    event("share.changed", share_id=share.id, user_id=user_id, fields=sorted(changes))
    return share


def revoke(user_id: int, share_id: int) -> None:
    share = get_owned(user_id, share_id)
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        db.session.commit()
        event("share.revoked", share_id=share.id, user_id=user_id)
        events.share_revoked(share)


def accesses(user_id: int, share_id: int) -> list[Access]:
    share = get_owned(user_id, share_id)
    query = (select(Access).where(Access.share_id == share.id)
             .options(joinedload(Access.user)).order_by(Access.id.desc()))
    return list(db.session.scalars(query))


def state(share: Share, now: datetime | None = None) -> str:
    now = now or utcnow()
    if share.revoked_at is not None:
        return "revoked"
    if share.expires_at is not None and share.expires_at <= now:
        return "expired"
    if share.max_downloads is not None and share.download_count >= share.max_downloads:
        return "used_up"
    return "active"


GONE = {"revoked": ShareRevoked, "expired": ShareExpired, "used_up": ShareUsedUp}


def verified(user: User) -> bool:
    """Has the account proved that its address is its own (a verification mail)?"""
    return user.verified_at is not None


def purge_ended(retention: timedelta) -> int:
    """Delete links that ended (revoked, expired, used up) longer ago than the retention."""
    cutoff = utcnow() - retention
    ended = or_(
        Share.revoked_at < cutoff,
        Share.expires_at < cutoff,
        (Share.max_downloads.is_not(None)) & (Share.download_count >= Share.max_downloads)
        & (Share.last_download_at < cutoff),
    )
    ids = list(db.session.scalars(select(Share.id).where(ended)))
    if ids:
        db.session.execute(delete(Share).where(Share.id.in_(ids))
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)
