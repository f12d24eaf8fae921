"""fsck: rows and stored bytes must match one to one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from ..extensions import db
from ..models import File
from ..storage import get_storage

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

    @property
    def clean(self) -> bool:
        return not (self.rows_without_bytes or self.wrong_size or self.wrong_hash
                    or self.bytes_without_row or self.stale_partials)


def _sha256(key: str) -> str:
    digest = hashlib.sha256()
    with get_storage().open(key) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def check(verify_hashes: bool = False) -> Report:
    storage = get_storage()
    report = Report()
    stored = set(storage.keys())
    known: set[str] = set()
    for file_id, key, size, sha in db.session.execute(
            select(File.id, File.key, File.size, File.sha256)):
        known.add(key)
        if key not in stored:
            report.rows_without_bytes.append((file_id, key))
        elif storage.size(key) != size:
            report.wrong_size.append((file_id, key))
        elif verify_hashes and _sha256(key) != sha:
            report.wrong_hash.append((file_id, key))
    report.bytes_without_row = sorted(key for key in stored - known
                                      if storage.age(key) >= PARTIAL_AGE_SECONDS)
    report.stale_partials = storage.stale_partials(PARTIAL_AGE_SECONDS)
    return report


def repair(report: Report) -> None:
    """Drop what cannot be served (rows without their bytes, and their links) and delete
    bytes nobody can reach. Damaged files (wrong size or hash) are only reported."""
    storage = get_storage()
    ids = [file_id for file_id, _ in report.rows_without_bytes]
    if ids:
        db.session.execute(delete(File).where(File.id.in_(ids)))
        db.session.commit()
    for key in report.bytes_without_row:
        storage.delete(key)
    for name in report.stale_partials:
        storage.remove_partial(name)
