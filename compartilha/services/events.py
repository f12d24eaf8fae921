"""What happened → who is told: the in-app list, the owner's mail, the webhooks
(docs/notifications.md). Services call these after their commit; each is quick (rows
and queued jobs, never a request or an SMTP session), and a failure here is logged and
never undoes or fails what already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import exists, or_, select, update

from .. import jobs
from ..extensions import db, rowcount
from ..logs import event
from ..models import Access, File, FileRequest, Share, Webhook
from ..models.columns import utcnow
from ..public_paths import SHARE_LINKS
from . import mail, notifications, request_notices, webhooks

log = logging.getLogger(__name__)
EXPIRING_WINDOW = timedelta(hours=24)  # "expiring soon": within this, told once
F = TypeVar("F", bound=Callable[..., Any])


def _never_fails(func: F) -> F:
    """What happened stays done: a notification that cannot be recorded is logged."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            db.session.rollback()
            log.exception("could not notify %s", func.__name__)
            return None

    return run  # type: ignore[return-value]


def share_data(share: Share) -> dict[str, Any]:
    return {"id": share.id, "file_id": share.file_id, "file_name": share.label,
            "title": share.title, "item_count": share.item_count,
            "url": mail.link(SHARE_LINKS + share.token),
            "created_at": share.created_at, "expires_at": share.expires_at,
            "max_downloads": share.max_downloads, "download_count": share.download_count,
            "recipient_email": share.recipient_email}


def file_data(record: File) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "type": record.type, "size": record.size,
            "sha256": record.sha256, "created_at": record.created_at}


@_never_fails
def share_created(share: Share) -> None:
    webhooks.emit(share.user_id, "share.created", {"share": share_data(share)})


@_never_fails
def share_revoked(share: Share) -> None:
    webhooks.emit(share.user_id, "share.revoked", {"share": share_data(share)})


@_never_fails
def file_uploaded(record: File) -> None:
    webhooks.emit(record.user_id, "file.uploaded", {"file": file_data(record)})


@_never_fails
def file_received(request_id: int, file_id: int) -> None:
    """A file arrived through upload link `request_id` (after its commit): the owner hears
    of a session's arrivals once, when it has gone quiet (docs/notifications.md)."""
    event("request.file_received", request_id=request_id, file_id=file_id)
    request_notices.arrived(request_id)


@_never_fails
def malware_detected(user_id: int, *, name: str, signature: str, way: str,
                     request_id: int | None = None) -> None:
    """An upload was refused for malware (its bytes already gone): the security event,
    and the owner's in-app notification (for an upload link's arrival too: the visitor
    saw the refusal, the owner learns of it here)."""
    event("malware.detected", user_id=user_id, signature=signature, way=way,
          request_id=request_id)
    link = db.session.get(FileRequest, request_id) if request_id is not None else None
    notifications.add(user_id, "file.malware", {
        "name": name, "signature": signature, "way": way, "request_id": request_id,
        "request_title": link.title if link else None})


def _tell(share: Share, kind: str, mail_kind: str, **extra: Any) -> None:
    """The owner's notification, and their mail when the link asks for it."""
    data = {"share_id": share.id, "file_name": share.label, **extra}
    notifications.add(share.user_id, kind, data)
    if share.notify_on_download:
        owner = share.owner
        mail.send(owner.email, mail_kind, lang=owner.language, auto_submitted=True,
                  context={"name": owner.name, "links_url": mail.link("/links"),
                           "notifications_url": mail.link("/notifications"), **data})


# One query tells whether a counted download concerns anyone: the common case (no
# option, no webhook, not the last slot) costs nothing more.
_CONCERNS = (select(Share.notify_on_download, Share.max_downloads, Share.download_count,
                    Share.used_up_notice_at,
                    exists().where(Webhook.user_id == Share.user_id))
             )


@_never_fails
def download_counted(share_id: int, access_id: int) -> None:
    """A download completed and counted (`counting.finish`): the very event the limit counts."""
    row = db.session.execute(_CONCERNS.where(Share.id == share_id)).one_or_none()
    if row is None:
        return
    notify, limit, count, used_up_told, hooked = row
    used_up = limit is not None and count >= limit and used_up_told is None
    if not (notify or hooked or used_up):
        return
    share = db.session.get(Share, share_id)
    access = db.session.get(Access, access_id)
    if share is None or access is None:
        return
    downloaded = {"id": access.id, "finished_at": access.finished_at, "user_id": access.user_id}
    if hooked:
        webhooks.emit(share.user_id, "share.downloaded",
                      {"share": share_data(share), "download": downloaded})
    if notify:
        _tell(share, "share.downloaded", "share_downloaded",
              at=access.finished_at.isoformat() if access.finished_at else None,
              user_name=access.user.name if access.user else None)
    if used_up and _claim(Share.used_up_notice_at, share_id):
        _tell(share, "share.used_up", "share_used_up", max_downloads=limit)


def _claim(column: Any, share_id: int) -> bool:
    """Mark a notice given; False when another process gave it first."""
    claimed = rowcount(db.session.execute(
        update(Share).where(Share.id == share_id, column.is_(None)).values({column: utcnow()})
        .execution_options(synchronize_session=False)))
    db.session.commit()
    return claimed == 1


def notify_expiring(window: timedelta = EXPIRING_WINDOW) -> int:
    """Tell owners, once per link, of active links that expire within `window`."""
    now = utcnow()
    due = db.session.scalars(select(Share.id).where(
        Share.revoked_at.is_(None), Share.expiry_notice_at.is_(None),
        Share.expires_at > now, Share.expires_at <= now + window,
        or_(Share.max_downloads.is_(None), Share.download_count < Share.max_downloads))).all()
    told = 0
    for share_id in due:
        if _claim(Share.expiry_notice_at, share_id):
            share = db.session.get(Share, share_id)
            if share is not None:
                _tell(share, "share.expiring", "share_expiring",
                      expires_at=share.expires_at.isoformat() if share.expires_at else None)
                told += 1
    return told


@jobs.periodic(jobs.crontab(minute="17"))
def hourly_notices() -> None:
    """Links expiring within a day, told once; old delivery logs and read notifications go."""
    notify_expiring()
    webhooks.purge_old()
    notifications.purge_old()
