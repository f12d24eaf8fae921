"""Resumable (tus) uploads: create, append at an offset, finish into a file, terminate, expire.

The bytes go once, straight into storage (`Storage.append`); the database row of `envios`
holds the offset the client may resume from. The sha256 of the whole file is kept across
requests in a per-process cache of running hashers keyed by upload and offset: hashlib
state cannot be serialised, so a PATCH that lands in another worker (or after a restart)
rebuilds it by re-reading the stored prefix on the hashing thread, while the new bytes
are already being received. A PATCH holds the upload through a lease in the row
(`trava`, `trava_ate`), taken by a conditional UPDATE, so a second concurrent PATCH from
any process is refused (423) and a crashed worker's lease simply runs out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..exceptions import (
    ChecksumMismatch,
    TooLarge,
    UploadExpired,
    UploadLocked,
    UploadNotFound,
    UploadOffsetMismatch,
)
from ..extensions import db
from ..models import File, Upload
from ..models.base import utcnow
from ..storage import get_storage
from ..streaming import BodyReader, HashPipe
from . import files, quotas

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
RENEW_EVERY = 20.0  # seconds between lease renewals while a PATCH reads
CHECKSUMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}

_hashers: OrderedDict[str, tuple[int, Any]] = OrderedDict()
_hashers_lock = threading.Lock()
HASHERS_KEPT = 256


def _take_hasher(token: str, offset: int) -> Any | None:
    with _hashers_lock:
        entry = _hashers.pop(token, None)
    return entry[1] if entry is not None and entry[0] == offset else None


def _keep_hasher(token: str, offset: int, hasher: Any) -> None:
    with _hashers_lock:
        _hashers[token] = (offset, hasher)
        while len(_hashers) > HASHERS_KEPT:
            _hashers.popitem(last=False)


@dataclass
class Appended:
    upload: Upload
    file: File | None  # set when this request delivered the last byte


def expiry() -> datetime:
    return utcnow() + timedelta(hours=current_app.config["UPLOAD_EXPIRY_HOURS"])


def create(user_id: int, length: int, name: str | None, declared_type: str | None) -> Upload:
    """A new empty upload; the size and type rules of every file apply before any byte."""
    if length > current_app.config["MAX_UPLOAD_BYTES"]:
        raise TooLarge()
    clean = files.accepted_name(name)
    upload = Upload(token=secrets.token_urlsafe(24), user_id=user_id, name=clean,
                    type=files.clean_type(declared_type, clean), length=length, offset=0,
                    handle=get_storage().start_upload(), expires_at=expiry())
    try:
        quotas.hold_unfinished(user_id, length)
        db.session.add(upload)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        get_storage().abort_upload(upload.handle)
        raise
    return upload


def get_owned(user_id: int, token: str) -> Upload:
    """The user's upload; another user's is reported exactly like a missing one."""
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None or upload.user_id != user_id:
        raise UploadNotFound()
    if upload.expires_at <= utcnow():
        raise UploadExpired()
    return upload


def _lock(user_id: int, token: str) -> tuple[Upload, str]:
    db.session.commit()  # no read snapshot held while waiting for the write lock (SQLite)
    lock, now = secrets.token_hex(16), utcnow()
    taken = db.session.execute(
        update(Upload)
        .where(Upload.token == token, Upload.user_id == user_id,
               or_(Upload.locked_until.is_(None), Upload.locked_until < now))
        .values(lock=lock, locked_until=now + LEASE)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not taken:
        get_owned(user_id, token)  # 404 / 410 before 423
        raise UploadLocked()
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None:
        raise UploadNotFound()
    return upload, lock


def _unlock(upload_id: int, lock: str) -> None:
    try:
        db.session.rollback()
        db.session.execute(update(Upload).where(Upload.id == upload_id, Upload.lock == lock)
                           .values(lock=None, locked_until=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:  # the lease runs out by itself
        log.exception("could not release upload %s", upload_id)
        db.session.rollback()


def _renewing(chunks: Any, upload_id: int, lock: str) -> Any:
    """Pass chunks through, renewing the lease now and then while a long PATCH reads."""
    due = time.monotonic() + RENEW_EVERY
    for chunk in chunks:
        yield chunk
        if time.monotonic() >= due:
            due = time.monotonic() + RENEW_EVERY
            db.session.execute(update(Upload).where(Upload.id == upload_id, Upload.lock == lock)
                               .values(locked_until=utcnow() + LEASE)
                               .execution_options(synchronize_session=False))
            db.session.commit()


def append(user_id: int, token: str, offset: int, body: BodyReader,
           checksum: tuple[str, bytes] | None = None) -> Appended:
    """Store the body at `offset`; durable before the new offset is recorded."""
    upload = get_owned(user_id, token)
    if offset != upload.offset:
        raise UploadOffsetMismatch(headers={"Upload-Offset": str(upload.offset)})
    if offset + body.length > upload.length:
        raise TooLarge("The body goes past Upload-Length.")
    upload, lock = _lock(user_id, token)
    upload_id = upload.id
    try:
        if upload.offset != offset:  # another request got in between
            raise UploadOffsetMismatch(headers={"Upload-Offset": str(upload.offset)})
        return _receive(upload, lock, body, checksum)  # releases the lease when it succeeds
    except BaseException:
        _unlock(upload_id, lock)
        raise


def _receive(upload: Upload, lock: str, body: BodyReader,
             checksum: tuple[str, bytes] | None) -> Appended:
    storage, offset = get_storage(), upload.offset
    whole = _take_hasher(upload.token, offset)
    prefix = None
    if whole is None:
        whole = hashlib.sha256()
        prefix = storage.read_upload(upload.handle, offset) if offset else None
    part = CHECKSUMS[checksum[0]]() if checksum else None
    pipe = HashPipe([whole, part] if part else [whole], prefix)
    try:
        written = storage.append(upload.handle, offset,
                                 _renewing(body.chunks(pipe), upload.id, lock))
    finally:
        pipe.close()
    if part is not None and checksum is not None:
        if not body.complete:
            written = 0  # a partial body cannot be verified: keep none of it
        elif not hmac.compare_digest(part.digest(), checksum[1]):
            raise ChecksumMismatch()
    if part is None or written:
        _keep_hasher(upload.token, offset + written, whole)
    upload.offset = offset + written
    upload.expires_at = expiry()
    if upload.offset < upload.length:
        upload.lock, upload.locked_until = None, None
        db.session.commit()
        return Appended(upload, None)
    return Appended(upload, _finish(upload, whole.hexdigest()))


def _finish(upload: Upload, sha256: str) -> File:
    """The upload becomes a file and its row goes, in one transaction."""
    with _hashers_lock:
        _hashers.pop(upload.token, None)
    key = get_storage().finish_upload(upload.handle)
    record = files.new_record(upload.user_id, upload.name, upload.type, key, upload.length,
                              sha256)
    db.session.delete(upload)
    files.commit_recording(key)
    return record


def terminate(user_id: int, token: str) -> None:
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None or upload.user_id != user_id:
        raise UploadNotFound()
    upload, _ = _lock(user_id, token)
    handle = upload.handle
    db.session.delete(upload)
    db.session.commit()
    get_storage().abort_upload(handle)


def handles_of(user_id: int) -> list[str]:
    return list(db.session.scalars(select(Upload.handle).where(Upload.user_id == user_id)))


def abort_all(handles: list[str]) -> None:
    """Drop unfinished uploads' bytes whose rows are gone; failures are logged."""
    storage = get_storage()
    for handle in handles:
        try:
            storage.abort_upload(handle)
        except OSError:
            log.exception("could not delete unfinished upload %s", handle)


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired, idle uploads and their bytes (the housekeeping command)."""
    now = now or utcnow()
    idle = or_(Upload.locked_until.is_(None), Upload.locked_until < now)
    rows = db.session.execute(select(Upload.id, Upload.handle)
                              .where(Upload.expires_at <= now, idle)).all()
    if not rows:
        return 0
    db.session.execute(delete(Upload).where(Upload.id.in_([r.id for r in rows]))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    abort_all([row.handle for row in rows])
    return len(rows)
