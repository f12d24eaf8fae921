"""How an unfinished upload ends: recorded as a file, or dropped with its bytes.

Crashes: the row or the bytes decide, never neither. Each step of an upload's life is
one atomic change, in storage or in the database, and every state between two steps is
one a later request (or `flask fsck`, or `flask cleanup`) recognises and completes:

1. create: an empty staging, then the row. Cut in between, the staging has no row
   (fsck removes it); if the row's commit failed the staging goes, and a row that landed
   anyway starts its staging again on its first PATCH (offset 0 needs no bytes).
2. append: bytes beyond the row's offset, made durable, then the new offset. Cut in
   between, the row's offset still holds and the next append drops the bytes beyond it.
3. finish: the staging is published under `upload_key(handle)`, a key derived from the
   handle, so the row names the bytes; then one transaction inserts the file's row and
   deletes the upload's. Cut in between (kill -9, the database gone, a lost lease), the
   upload row remains with its old offset and its staging gone: the next PATCH finds the
   bytes published and records them (`tus._staging_gone`), as do fsck and cleanup.
   Publishing to a random key instead left bytes no row named, and a row whose every
   PATCH failed.
A commit that fails here never deletes published bytes: whichever of the two rows the
failed commit left holds them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select

from ..errors import MalwareDetected, RequestEnded, ScannerUnavailable, TooLarge
from ..extensions import db, rowcount
from ..hashing import Digest
from ..models import File, FileRequest, Upload
from ..models.columns import utcnow
from ..storage import get_storage
from ..storage.interface import upload_key
from . import antivirus, events, files, leases, request_limits

log = logging.getLogger(__name__)
# What `settle` raises once it has dropped the upload with its bytes: its link refused it,
# or the antivirus did (`antivirus.check`).
REFUSED = (RequestEnded, TooLarge, MalwareDetected, ScannerUnavailable)


def scanned(upload: Upload, lease: str, key: str, *, drop_when_down: bool = True) -> str | None:
    """The antivirus verdict on the published bytes (`antivirus.check`): refused (malware,
    or no scanner while one must scan), the upload goes with its bytes and the error is
    raised. Nothing may be written in the session yet: the scan takes a while."""
    upload_id, handle = upload.id, upload.handle  # the row's attributes go with its commit
    return antivirus.check(key, upload.user_id, name=upload.name, way="tus",
                           drop=lambda: _refused(upload_id, handle, lease),
                           request_id=upload.request_id, drop_when_down=drop_when_down)


def settle(upload: Upload, lease: str, key: str, digest: Digest,
           scan: tuple[str | None] | None = None) -> File:
    """Record the published bytes as a file and drop the upload's row, in one transaction
    (while this request still holds the lease): the room the upload reserved in the
    account's quota becomes the file's, so the quota is not checked again (`quotas`). If
    the commit fails, the bytes stay: the upload's row, or the file's if the commit landed
    after all, holds them. They are scanned first (`scanned`), unless `scan` holds the
    verdict already taken."""
    verdict = scanned(upload, lease, key) if scan is None else scan[0]
    gone = rowcount(db.session.execute(
        delete(Upload).where(Upload.id == upload.id, Upload.lock == lease)
        .execution_options(synchronize_session=False)))
    if not gone:
        db.session.rollback()
        raise leases.busy(None)
    db.session.expunge(upload)
    try:
        record = files.new_record(upload.user_id, upload.name, upload.type, key,
                                  upload.length, digest.hexdigest(),
                                  upload_token=upload.token, crc32=digest.crc32,
                                  folder_id=upload.folder_id, scan=verdict)
        if upload.request_id is not None:
            _arrive(upload, record)
        db.session.commit()
    except (RequestEnded, TooLarge):  # the link refused it: nothing stays
        db.session.rollback()
        _refused(upload.id, upload.handle, lease)
        raise
    except BaseException:
        db.session.rollback()
        log.warning("upload %s published as %s but not recorded yet", upload.id, key)
        raise
    upload.offset = upload.length
    events.file_uploaded(record)
    if upload.request_id is not None:
        events.file_received(upload.request_id, record.id)
    return record


def _arrive(upload: Upload, record: File) -> None:
    """Count an upload link's file against the link, in the recording transaction."""
    link = db.session.get(FileRequest, upload.request_id)
    if link is None:  # deleted with its folder meanwhile
        raise RequestEnded.because("revoked")
    request_limits.record_arrival(link, record, sender_name=upload.sender_name,
                                  sender_email=upload.sender_email,
                                  sender_ip=upload.sender_ip or "", sent_name=upload.name)


def _refused(upload_id: int, handle: str, lease: str) -> None:
    """Drop an upload refused at its last byte (its link lost the race for its last
    place or ended, or the antivirus refused it): its row, then its bytes."""
    gone = rowcount(db.session.execute(
        delete(Upload).where(Upload.id == upload_id, Upload.lock == lease)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if gone:
        abort_all([handle])


def settle_published(upload_id: int) -> File | None:
    """Record an upload whose bytes were published but whose recording was cut (its
    client may never come back to do it): for fsck and cleanup. None if a request
    holds it (that request will), it is not published, or it was refused (`REFUSED`).
    With the antivirus down (and CLAMAV_UNAVAILABLE=refuse) it is kept for a later sweep:
    its client was told nothing, and its bytes are whole."""
    lease = leases.new()
    try:
        if not leases.claim([Upload.id == upload_id, leases.free()], lease):
            return None
        upload = db.session.get(Upload, upload_id)
        if upload is None or not get_storage().upload_published(upload.handle):
            leases.release(upload_id, lease)
            return None
        key = upload_key(upload.handle)
        try:
            verdict = scanned(upload, lease, key, drop_when_down=False)
        except ScannerUnavailable:
            log.warning("published upload %s kept: the antivirus gave no verdict", upload_id)
            leases.release(upload_id, lease)
            return None
        return settle(upload, lease, key, files.stored_digest(key), scan=(verdict,))
    except REFUSED as refused:  # dropped, bytes and all: nothing more to settle
        log.warning("published upload %s refused: %s", upload_id, refused.code)
        return None
    except BaseException:
        leases.release(upload_id, lease)
        raise
    finally:
        leases.forget(lease)


def abort_all(handles: list[str]) -> None:
    """Drop the bytes of uploads whose rows are gone (staged or published: no file row
    holds an upload's key while its upload row exists); failures are logged."""
    storage = get_storage()
    for handle in handles:
        try:
            storage.abort_upload(handle)
            storage.delete(upload_key(handle))
        except OSError:
            log.exception("could not delete unfinished upload %s", handle)


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired, idle uploads and their bytes (the housekeeping command); one whose
    bytes were all published is recorded instead (its last answer was lost)."""
    now = now or utcnow()
    idle = (Upload.locked_until.is_(None)) | (Upload.locked_until < now)
    rows = db.session.execute(select(Upload.id, Upload.handle)
                              .where(Upload.expires_at <= now, idle)).all()
    storage, dropped = get_storage(), []
    for row in rows:
        if storage.upload_published(row.handle):
            settle_published(row.id)
        elif rowcount(db.session.execute(delete(Upload).where(Upload.id == row.id, idle)
                                         .execution_options(synchronize_session=False))):
            dropped.append(row.handle)  # not if a PATCH took it meanwhile
    db.session.commit()
    abort_all(dropped)
    return len(dropped)
