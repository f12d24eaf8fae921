"""The owner hears of an upload link's arrivals once per upload session, not per file.

Each arrival (after its commit) schedules a check `REQUEST_QUIET_SECONDS` later. A check
that finds a newer arrival does nothing: that arrival's own check comes later. The one
that finds the link quiet claims the files after `FileRequest.notified_through` by one
conditional UPDATE that moves the mark (and passes only while the link is still quiet),
so two workers running checks at once, or a check run twice, tell the owner once; the
claim is then told, one notice per sender (in-app, mail when the link asks, webhook
`request.received`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from .. import jobs
from ..extensions import db, rowcount
from ..logs import event
from ..models import File, FileRequest, User
from ..models.columns import utcnow
from . import mail, notifications, webhooks

KIND = "request.received"
MAIL_KIND = "request_received"
MAIL_FILES = 20  # a mail names this many files, then "and N more"
# MariaDB's DATETIME keeps whole seconds: an arrival at 10:00:00.9 reads 10:00:00, so
# "quiet" waits this much longer, and the check is scheduled that much later.
CLOCK_GRAIN = timedelta(seconds=1)


def arrived(request_id: int) -> None:
    """A file arrived through the link (called after its commit): check it once quiet."""
    check_quiet.schedule((request_id,), delay=_quiet().total_seconds())


@jobs.task(retries=5)
def check_quiet(request_id: int) -> None:
    tell_if_quiet(request_id)


def _quiet() -> timedelta:
    return timedelta(seconds=float(current_app.config["REQUEST_QUIET_SECONDS"])) + CLOCK_GRAIN


def tell_if_quiet(request_id: int, now: datetime | None = None) -> int:
    """Tell the owner of the arrivals not told yet once the link has had none for the
    quiet time; how many notices were made (0: not quiet yet, nothing new, or another
    worker claimed them)."""
    now = now or utcnow()
    link = db.session.get(FileRequest, request_id)
    if link is None or link.last_upload_at is None:
        return 0
    if link.last_upload_at + _quiet() > now:
        return 0  # still arriving: the newest arrival's check comes later
    since = link.notified_through or 0
    newest = db.session.scalar(select(func.max(File.id)).where(
        File.request_id == request_id, File.id > since))
    if newest is None or not _claim(link, since, newest, now):
        return 0
    received = list(db.session.scalars(select(File).where(
        File.request_id == request_id, File.id > since, File.id <= newest).order_by(File.id)))
    owner = db.session.get(User, link.user_id)
    told = 0
    for (name, email), batch in groupby(received, key=lambda f: (f.sender_name,
                                                                 f.sender_email)):
        _tell(link, owner, name, email, list(batch))
        told += 1
    return told


def _claim(link: FileRequest, since: int, newest: int, now: datetime) -> bool:
    """Move the link's mark from `since` to `newest`; False when another check moved it
    first or an arrival came meanwhile (its own check will tell it)."""
    row = FileRequest
    mark = row.notified_through.is_(None) if link.notified_through is None else (
        row.notified_through == since)
    claimed = rowcount(db.session.execute(
        update(row).where(row.id == link.id, mark,
                          row.last_upload_at <= now - _quiet())
        .values(notified_through=newest).execution_options(synchronize_session=False)))
    db.session.commit()
    return claimed == 1


def payload(link: FileRequest, name: str | None, email: str | None,
            received: list[File]) -> dict[str, Any]:
    """The webhook's `request.received` data (docs/notifications.md)."""
    return {"request": {"id": link.id, "title": link.title},
            "sender": {"name": name, "email": email},
            "files": [{"id": f.id, "name": f.name, "size": f.size, "sha256": f.sha256}
                      for f in received]}


def _tell(link: FileRequest, owner: User | None, name: str | None, email: str | None,
          received: list[File]) -> None:
    data = {"request_id": link.id, "request_title": link.title, "folder_id": link.folder_id,
            "sender_name": name, "sender_email": email, "count": len(received),
            "bytes": sum(f.size for f in received)}
    notifications.add(link.user_id, KIND, data)
    webhooks.emit(link.user_id, KIND, payload(link, name, email, received))
    if link.notify and owner is not None:
        mail.send(owner.email, MAIL_KIND, lang=owner.language, auto_submitted=True, context={
            **data, "name": owner.name,
            "files": [{"name": f.name, "size": f.size} for f in received[:MAIL_FILES]],
            "more": max(0, len(received) - MAIL_FILES),
            "folder_url": mail.link(f"/files?folder={link.folder_id}"),
            "requests_url": mail.link("/requests")})
    event("request.notified", request_id=link.id, files=len(received))
