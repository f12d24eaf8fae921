"""Counting share downloads exactly: a slot is reserved when bytes start to flow and the
download counts only when its last byte has been sent.

The reservation is one conditional UPDATE (no read-then-write), so with
`max_downloads = N` and any number of concurrent requests at most N hold a slot.

On a link without a limit a dropped connection gives its slot back at once. On a limited
link a download is a *ticket* (its `Access` row): it keeps its slot while it runs and for
HOLD after its last connection ends, so a client cut off resumes it (Range on the ticket's
URL) without spending another slot, and nobody takes the last slot from under it. It
counts once, when a response that reaches the last byte has been sent whole; a ticket
left unfinished for HOLD gives its slot back uncounted.

"Sent" means handed to the socket: up to a few MiB may still sit in kernel buffers when
a connection dies. So for HOLD after it completed, a ticket still resumes, never counting
again, what a cut may have lost: a Range from a byte after the first, of at most LOST_MAX
bytes, and at most twice min(size, LOST_MAX) bytes more in all — the tail a client lost,
even twice, never a free copy of a file larger than that.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, case, func, or_, select, update

from ..errors import ShareBusy
from ..extensions import db, rowcount
from ..logs import event
from ..models import Access, Share, User
from ..models.columns import utcnow
from . import events, shares
from .validation import clean_text

# What a download sends: None, the file of a one-file link; a file id, one file of a link
# to several things; "zip", the whole of one as a ZIP.
Target = int | str | None

HOLD = timedelta(minutes=30)  # a cut download keeps its slot this long for its resumption
RENEW_SECONDS = 60.0  # a running download renews its hold this often
LOST_MAX = 16 * 1024 * 1024  # bytes a completed ticket still serves, at most, to resume
BUSY_RETRY_MAX = 60  # Retry-After of a busy link, at most: a running download may end soon


def begin(share: Share, viewer: User | None, ip: str, user_agent: str, *,
          hold: bool = False, target: Target = None) -> Access:
    """Reserve a slot for sending `target` (ShareBusy when the remaining ones are held, the
    link's 410 when it ended); with `hold`, the slot outlives the request, as a ticket."""
    now = utcnow()
    _release_expired(share.id)
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
        if current == "active":  # every remaining slot is held by a download in progress
            raise ShareBusy(headers={"Retry-After": str(_busy_for(share.id))})
        raise shares.GONE[current]()
    access = Access(share_id=share.id, user_id=viewer.id if viewer else None, at=now,
                    ip=ip[:45], user_agent=clean_text(user_agent)[:255],
                    held_until=now + HOLD if hold else None, target=_stored(target))
    db.session.add(access)
    db.session.commit()
    event("share.download_started", share_id=share.id, access_id=access.id,
          user_id=access.user_id)
    return access


def finish(access_id: int, share_id: int, bytes_sent: int, completed: bool,
           counts: bool) -> None:
    """Release the slot; a completed download that delivered the last byte counts. Once
    per download: a second call (an expired ticket, a parallel range) changes nothing."""
    now = utcnow()
    counted = completed and counts
    ended = rowcount(db.session.execute(
        update(Access).where(Access.id == access_id, Access.completed.is_(None))
        .values(bytes_sent=Access.bytes_sent + bytes_sent, completed=completed,
                finished_at=now, held_until=None)
        .execution_options(synchronize_session=False)
    ))
    if ended != 1:
        db.session.rollback()
        return
    db.session.execute(
        update(Share).where(Share.id == share_id)
        .values(reserved=case((Share.reserved > 0, Share.reserved - 1), else_=0),
                download_count=Share.download_count + (1 if counted else 0),
                last_download_at=now if counted else Share.last_download_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    event("share.download_finished", share_id=share_id, access_id=access_id,
          bytes_sent=bytes_sent, completed=completed, counted=counted)
    if counted:
        events.download_counted(share_id, access_id)


def pause(access_id: int, bytes_sent: int) -> None:
    """A ticket's connection ended before the last byte (or resumed a completed ticket):
    an unfinished one keeps its slot for HOLD."""
    db.session.execute(
        update(Access).where(Access.id == access_id)
        .values(bytes_sent=Access.bytes_sent + bytes_sent,
                held_until=case((Access.completed.is_(None), utcnow() + HOLD),
                                else_=Access.held_until))
        .execution_options(synchronize_session=False))
    db.session.commit()


def renew(access_id: int) -> None:
    """A ticket's bytes are flowing: its slot stays held."""
    pause(access_id, 0)


def ticket(access: Access, target: Target = None) -> str:
    """The URL-safe, signed name of a download, bound to its link and to what it sends."""
    if target is None:
        return _signer().dumps([access.share_id, access.id])
    return _signer().dumps([access.share_id, access.id, target])


def target_of(name: str) -> Target:
    """What a ticket downloads (None also for a name that is no ticket: `resume` refuses it)."""
    try:
        loaded = _signer().loads(name)
    except BadSignature:
        return None
    return loaded[2] if isinstance(loaded, list) and len(loaded) == 3 else None


def resume(share: Share, name: str, start: int | None, size: int | None = None,
           target: Target = None) -> Access | None:
    """The ticket's download of `target` (`size` bytes; None: the one-file link's file)
    if it can go on from byte `start` (None: no Range)."""
    try:
        share_id, access_id, *rest = _signer().loads(name)
    except (BadSignature, ValueError, TypeError):
        return None
    if share_id != share.id or (rest[0] if rest else None) != target:
        return None
    return _usable(Access.id == access_id, share, start, size)


def held_by(share: Share, viewer: User | None, ip: str, user_agent: str,
            start: int, size: int | None = None, target: Target = None) -> Access | None:
    """A client resuming without its ticket (plain `curl -C -` on the link, which keeps no
    cookie): its download of the same `target` from the same address and program."""
    same_user = Access.user_id == viewer.id if viewer else Access.user_id.is_(None)
    stored = _stored(target)
    same_target = Access.target == stored if stored is not None else Access.target.is_(None)
    return _usable(and_(Access.ip == ip[:45], Access.user_agent == clean_text(user_agent)[:255],
                        same_user, same_target), share, start, size)


def _stored(target: Target) -> str | None:
    """A target as `acessos.alvo` keeps it."""
    return None if target is None else str(target)


def _usable(which: ColumnElement[bool], share: Share, start: int | None,
            size: int | None) -> Access | None:
    now = utcnow()
    access = db.session.scalar(
        select(Access).where(which, Access.share_id == share.id, or_(
            and_(Access.completed.is_(None), Access.held_until > now),
            and_(Access.completed.is_(True), Access.finished_at > now - HOLD)))
        .order_by(Access.id.desc()).limit(1))
    if access is None:
        return None
    if access.completed is None:
        renew(access.id)
        return access
    if size is None:
        size = share.file.size if share.file is not None else 0
    allowance = min(LOST_MAX, 2 * min(size, LOST_MAX) - max(0, access.bytes_sent - size))
    return access if start and 0 < start < size and size - start <= allowance else None


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="download-ticket")


def _busy_for(share_id: int) -> int:
    """Seconds until the first held slot is due back, at most BUSY_RETRY_MAX."""
    first = db.session.scalar(select(func.min(Access.held_until)).where(
        Access.share_id == share_id, Access.completed.is_(None)))
    if first is None:
        return 1
    return max(1, min(BUSY_RETRY_MAX, math.ceil((first - utcnow()).total_seconds())))


def _release_expired(share_id: int) -> None:
    expired = db.session.scalars(select(Access.id).where(
        Access.share_id == share_id, Access.completed.is_(None),
        Access.held_until < utcnow())).all()
    for access_id in expired:
        finish(access_id, share_id, 0, completed=False, counts=False)


def release_stale(older_than: timedelta) -> int:
    """Give back slots held by downloads that never finished (a worker killed mid-send)
    and by tickets left unfinished past their hold."""
    now = utcnow()
    stale = db.session.execute(
        select(Access.id, Access.share_id).where(
            Access.completed.is_(None),
            or_(Access.held_until < now,
                and_(Access.held_until.is_(None), Access.at < now - older_than)))
    ).all()
    for access_id, share_id in stale:
        finish(access_id, share_id, 0, completed=False, counts=False)
    return len(stale)
