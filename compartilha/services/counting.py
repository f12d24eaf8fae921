"""Counting share downloads exactly: a slot is reserved when bytes start to flow and the
download counts only when its last byte has been sent.

The reservation is one conditional UPDATE (no read-then-write), so with
`max_downloads = N` and any number of concurrent requests at most N hold a slot; a
dropped connection gives its slot back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, or_, select, update

from ..extensions import db, rowcount
from ..logs import event
from ..models import Access, Share, User
from ..models.columns import utcnow
from . import shares
from .validation import clean_text


def begin(share: Share, viewer: User | None, ip: str, user_agent: str) -> Access:
    now = utcnow()
    reserved = rowcount(db.session.execute(
        update(Share)
        .where(Share.id == share.id, Share.revoked_at.is_(None),
               or_(Share.expires_at.is_(None), Share.expires_at > now),
               or_(Share.max_downloads.is_(None),
                   Share.download_count + Share.reserved < Share.max_downloads))
        .values(reserved=Share.reserved + 1)
        .execution_options(synchronize_session=False)
    ))
    if reserved != 1:
        db.session.rollback()
        db.session.refresh(share)
        current = shares.state(share)
        # Active but every remaining slot is held by downloads in progress.
        raise shares.GONE["used_up" if current == "active" else current]()
    access = Access(share_id=share.id, user_id=viewer.id if viewer else None, at=now,
                    ip=ip[:45], user_agent=clean_text(user_agent)[:255])
    db.session.add(access)
    db.session.commit()
    event("share.download_started", share_id=share.id, access_id=access.id,
          user_id=access.user_id)
    return access


def finish(access_id: int, share_id: int, bytes_sent: int, completed: bool,
           counts: bool) -> None:
    """Release the slot; a completed download that delivered the last byte counts."""
    now = utcnow()
    counted = completed and counts
    db.session.execute(
        update(Share).where(Share.id == share_id)
        .values(reserved=case((Share.reserved > 0, Share.reserved - 1), else_=0),
                download_count=Share.download_count + (1 if counted else 0),
                last_download_at=now if counted else Share.last_download_at)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Access).where(Access.id == access_id)
        .values(bytes_sent=bytes_sent, completed=completed, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    event("share.download_finished", share_id=share_id, access_id=access_id,
          bytes_sent=bytes_sent, completed=completed, counted=counted)


def release_stale(older_than: timedelta) -> int:
    """Give back slots held by downloads that never finished (a worker killed mid-send)."""
    cutoff = utcnow() - older_than
    stale = db.session.execute(
        select(Access.id, Access.share_id).where(Access.completed.is_(None), Access.at < cutoff)
    ).all()
    for access_id, share_id in stale:
        finish(access_id, share_id, 0, completed=False, counts=False)
    return len(stale)
