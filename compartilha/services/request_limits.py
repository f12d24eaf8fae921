"""An upload link's limits, and the one place its counters move (`record_arrival`).

Exact limits without reservations: a received file's row and the link's counters are
written in one transaction, the counters by one conditional UPDATE that only passes while
the link is open and every limit still holds. However many uploads race, at most
`max_files` rows are recorded and `max_total_bytes` is never passed; the uploads that
lose the race are refused after their bytes arrived and leave nothing (their bytes are
deleted with the failed transaction). `precheck` refuses what cannot fit before any byte
is accepted, which is every case but a race. Apart from services.file_requests so that
the end of a tus upload (services.upload_endings) counts its file without importing the
links' folders.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from ..errors import RequestEnded, TooLarge
from ..extensions import db, rowcount
from ..models import File, FileRequest
from ..models.columns import utcnow


def state(link: FileRequest, now: datetime | None = None) -> str:
    now = now or utcnow()
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at is not None and link.expires_at <= now:
        return "expired"
    if link.max_files is not None and link.files_received >= link.max_files:
        return "full"
    if link.max_total_bytes is not None and link.bytes_received >= link.max_total_bytes:
        return "full"
    return "active"


def precheck(link: FileRequest, size: int | None) -> None:
    """Refuse before any byte what cannot fit: 410 when no file more is taken, 413 when
    `size` (declared, or None when unknown) is over a limit."""
    if link.max_files is not None and link.files_received >= link.max_files:
        raise RequestEnded.because("full")
    if size is None:
        return
    if link.max_file_bytes is not None and size > link.max_file_bytes:
        raise TooLarge.over(link.max_file_bytes)
    if link.max_total_bytes is not None and link.bytes_received + size > link.max_total_bytes:
        raise TooLarge(f"This link takes {link.max_total_bytes - link.bytes_received} "
                       "more bytes.")


def record_arrival(link: FileRequest, record: File, *, sender_name: str | None,
                   sender_email: str | None, sender_ip: str, sent_name: str) -> None:
    """Count `record` against the link in the caller's transaction (before its commit), or
    raise (410 full or ended, 413 over the total) so that the caller rolls back and drops
    the bytes. One conditional UPDATE: exact under any concurrency, on SQLite (one writer
    at a time) and MariaDB (the row's lock until commit)."""
    now = utcnow()
    row = FileRequest
    counted = db.session.execute(
        update(row).where(
            row.id == link.id, row.revoked_at.is_(None),
            row.expires_at.is_(None) | (row.expires_at > now),
            row.max_files.is_(None) | (row.files_received < row.max_files),
            row.max_total_bytes.is_(None)
            | (row.bytes_received + record.size <= row.max_total_bytes),
        ).values(files_received=row.files_received + 1,
                 bytes_received=row.bytes_received + record.size, last_upload_at=now),
        execution_options={"synchronize_session": False})
    if rowcount(counted) != 1:
        # A locking read: under MariaDB's REPEATABLE READ a plain one returns this
        # transaction's snapshot, which may predate the revocation that made the UPDATE
        # fail, and the refusal would then be named "too large" instead of "revoked".
        db.session.refresh(link, with_for_update=True)
        ended = state(link, now)
        if ended == "active":  # only the total was passed
            raise TooLarge(f"This link takes {link.max_total_bytes or 0} bytes in all.")
        raise RequestEnded.because(ended)
    record.request_id, record.sender_ip = link.id, sender_ip[:45]
    record.sender_name = sender_name
    record.sender_email = sender_email
    record.sent_name = sent_name


