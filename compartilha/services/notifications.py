"""The in-app notification list: what happened to my links, newest first, until read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from ..extensions import db, rowcount
from ..models import Notification
from ..models.columns import utcnow

KINDS = ("share.downloaded", "share.expiring", "share.used_up", "request.received",
         "file.malware")
KEEP_READ_DAYS = 90
LIST_SIZE = 100  # the newest ones; older notifications stay, unlisted, until read in bulk


def add(user_id: int, kind: str, data: dict[str, Any]) -> Notification:
    """Record a notification (committed)."""
    notification = Notification(user_id=user_id, kind=kind, data=data)
    db.session.add(notification)
    db.session.commit()
    return notification


def list_for(user_id: int, *, unread: bool = False) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(LIST_SIZE)))


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, ids: list[int] | None = None) -> int:
    """Mark the given notifications of mine read (None: all of them); how many changed.
    Ids that are not mine, or not unread, are passed over."""
    query = update(Notification).where(Notification.user_id == user_id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(ids))
    changed = rowcount(db.session.execute(query.values(read_at=utcnow())
                                          .execution_options(synchronize_session=False)))
    db.session.commit()
    return changed


def purge_old(days: int = KEEP_READ_DAYS) -> int:
    """Notifications read longer than `days` ago go."""
    removed = rowcount(db.session.execute(delete(Notification).where(
        Notification.read_at < utcnow() - timedelta(days=days))))
    db.session.commit()
    return removed
