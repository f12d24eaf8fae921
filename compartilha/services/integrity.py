"""fsck: rows and stored bytes must match one to one.

A row holds bytes in two ways: a file's row its key, and an unfinished upload's row its
staging (`Storage.unfinished_uploads`) or, once published, `upload_key(handle)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import File, Upload
from ..storage import get_storage
from ..storage.interface import upload_key
from . import files, upload_endings

# Younger partial writes, and younger bytes without a row, may belong to uploads still in
# progress (bytes land a moment before their row commits): fsck leaves them alone.
PARTIAL_AGE_SECONDS = 3600


@dataclass
class Report:
    rows_without_bytes: list[tuple[int, str]] = field(default_factory=list)
    wrong_size: list[tuple[int, str]] = field(default_factory=list)
    wrong_hash: list[tuple[int, str]] = field(default_factory=list)
    bytes_without_row: list[str] = field(default_factory=list)
    stale_partials: list[str] = field(default_factory=list)
    # unfinished uploads: staging without a row (a creation cut short, or a drop that
    # failed), published but not recorded (a finish cut short), rows whose bytes are gone
    orphan_uploads: list[str] = field(default_factory=list)
    unrecorded_uploads: list[tuple[int, str]] = field(default_factory=list)
    uploads_without_bytes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(vars(self).values())


def _sha256(key: str) -> str:
    return files.stored_digest(key).hexdigest()


def check(verify_hashes: bool = False) -> Report:
    # Rows first, then storage: bytes are stored before their row commits, so a row read
    # first whose bytes are missing afterwards really lacks them; the reverse order would
    # call an upload committed in between a row without bytes.
    storage = get_storage()
    report = Report()
    file_rows = db.session.execute(select(File.id, File.key, File.size, File.sha256)).all()
    upload_rows = db.session.execute(select(Upload.id, Upload.handle, Upload.offset)).all()
    db.session.rollback()
    staging = dict(storage.unfinished_uploads())
    stored = set(storage.keys())
    known: set[str] = set()
    for file_id, key, size, sha in file_rows:
        known.add(key)
        if key not in stored:
            report.rows_without_bytes.append((file_id, key))
        elif storage.size(key) != size:
            report.wrong_size.append((file_id, key))
        elif verify_hashes and _sha256(key) != sha:
            report.wrong_hash.append((file_id, key))
    known |= _check_uploads(report, upload_rows, staging, stored - known)
    report.bytes_without_row = sorted(key for key in stored - known
                                      if storage.age(key) >= PARTIAL_AGE_SECONDS)
    report.stale_partials = storage.stale_partials(PARTIAL_AGE_SECONDS)
    return report


def _check_uploads(report: Report, rows: Sequence[Any], staging: dict[str, float],
                   unrecorded: set[str]) -> set[str]:
    """Fill the report's upload lists; the published keys that upload rows hold."""
    held = set()
    for upload_id, handle, offset in rows:
        key = upload_key(handle)
        if key in unrecorded:
            held.add(key)
            if not key_recorded(key):  # (it may have finished while fsck looked)
                report.unrecorded_uploads.append((upload_id, key))
        elif handle not in staging and offset > 0 and not key_recorded(key):
            report.uploads_without_bytes.append((upload_id, handle))  # offset 0 needs none
    handles = {row.handle for row in rows}
    report.orphan_uploads = sorted(handle for handle, age in staging.items()
                                   if handle not in handles and age >= PARTIAL_AGE_SECONDS)
    return held


def key_recorded(key: str) -> bool:
    """Whether a file row holds the key now (an upload finished while fsck looked)."""
    return db.session.scalar(select(File.id).where(File.key == key)) is not None


def repair(report: Report) -> None:
    """Drop what cannot be served (rows without their bytes, and their links) and delete
    bytes nobody can reach; record uploads whose bytes were all published. Damaged files
    (wrong size or hash) are only reported."""
    storage = get_storage()
    ids = [file_id for file_id, _ in report.rows_without_bytes]
    if ids:
        db.session.execute(delete(File).where(File.id.in_(ids)))
        db.session.commit()
    for upload_id, _ in report.unrecorded_uploads:
        upload_endings.settle_published(upload_id)
    gone = [upload_id for upload_id, _ in report.uploads_without_bytes]
    if gone:
        db.session.execute(delete(Upload).where(Upload.id.in_(gone)))
        db.session.commit()
    for key in report.bytes_without_row:
        storage.delete(key)
    for name in report.stale_partials:
        storage.remove_partial(name)
    for handle in report.orphan_uploads:
        storage.abort_upload(handle)


@dataclass
class Backfill:
    filled: int = 0
    # (file id, key): bytes gone or not the recorded sha256; fsck tells which
    skipped: list[tuple[int, str]] = field(default_factory=list)


def fill_crc32(batch: int = 100, progress: Callable[[int], None] | None = None) -> Backfill:
    """Give files recorded without a CRC-32 (uploaded before it was kept) theirs, read
    from their bytes, in id order, committing every `batch` files: a run stopped halfway
    keeps what it did, and the next one goes on from there. Bytes whose sha256 is not the
    recorded one get none (a ZIP would carry a CRC of other bytes)."""
    result, after = Backfill(), 0
    while rows := _without_crc32(after, batch):
        for file_id, key, sha in rows:
            after = file_id
            try:
                digest = files.stored_digest(key)
            except OSError:
                digest = None
            if digest is None or digest.hexdigest() != sha:
                result.skipped.append((file_id, key))
                continue
            db.session.execute(update(File).where(File.id == file_id, File.crc32.is_(None))
                               .values(crc32=digest.crc32)
                               .execution_options(synchronize_session=False))
            result.filled += 1
        db.session.commit()
        if progress is not None:
            progress(result.filled)
    return result


def _without_crc32(after: int, batch: int) -> Sequence[Any]:
    rows = db.session.execute(select(File.id, File.key, File.sha256)
                              .where(File.crc32.is_(None), File.id > after)
                              .order_by(File.id).limit(batch)).all()
    db.session.rollback()  # no read snapshot held while the bytes are read
    return rows
