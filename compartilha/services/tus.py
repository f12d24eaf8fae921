"""Resumable (tus) uploads: create, append at an offset, finish into a file, terminate, expire.

The bytes go once, straight into storage (`Storage.append`); the database row of `envios`
holds the offset the client may resume from. The sha256 and CRC-32 of the whole file (a
`hashing.Digest`) are kept across requests in a per-process cache of running hashers
keyed by upload and offset: hashlib state cannot be serialised, so a PATCH that lands in
another worker (or after a restart) rebuilds it by re-reading the stored prefix on the
hashing thread, while the new bytes are already being received. A PATCH holds the upload
through a lease (`leases`).

How an upload ends, and how every state a crash leaves in between is completed:
`upload_endings`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..errors import (
    ChecksumMismatch,
    TooLarge,
    UploadExpired,
    UploadNotFound,
    UploadOffsetMismatch,
)
from ..extensions import db, rowcount
from ..hashing import Digest, HashPipe, Readable, hashed_chunks
from ..models import File, Upload
from ..models.columns import utcnow
from ..storage import get_storage
from ..storage.interface import upload_key
from . import file_names, files, leases, quotas, settings, upload_endings
from .upload_endings import abort_all  # (also for accounts)

log = logging.getLogger(__name__)
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


class Body:
    """The bytes of one append: a plain stream that ends after `length` bytes (sooner if
    its sender went away), and how many of them were taken. With no length (a chunked
    request), the stream's own end ends it: `limit` bytes at most, TooLarge past them."""

    def __init__(self, stream: Readable, length: int | None) -> None:
        self.stream, self.length, self.received = stream, length, 0
        self.limit = length or 0

    @property
    def complete(self) -> bool:
        if self.length is None:  # whether the stream ended as its framing says
            return bool(getattr(self.stream, "complete", True))
        return self.received == self.length

    def chunks(self, pipe: HashPipe) -> Iterator[memoryview]:
        stream = self.stream if self.length is not None else _Capped(self.stream, self.limit)
        for chunk in hashed_chunks(stream, pipe):
            self.received += len(chunk)
            yield chunk


class _Capped:
    """At most `left` bytes of a stream whose length is unknown; one more is TooLarge."""

    def __init__(self, stream: Readable, left: int) -> None:
        self.stream, self.left = stream, left

    def read(self, size: int = -1, /) -> bytes:
        if self.left <= 0:
            if self.stream.read(1):
                raise TooLarge("The body goes past Upload-Length.")
            return b""
        data = self.stream.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(data)
        return data


@dataclass
class Appended:
    offset: int
    expires_at: datetime
    file: File | None  # set when the upload is finished (by this request or before)


@dataclass
class Progress:
    """What a HEAD tells of an upload, unfinished or finished."""

    offset: int
    length: int
    expires_at: datetime
    name: str
    type: str
    partial: bool = False


def expiry() -> datetime:
    return utcnow() + timedelta(hours=current_app.config["UPLOAD_EXPIRY_HOURS"])


def create(user_id: int, length: int, name: str | None, declared_type: str | None,
           *, partial: bool = False, folder_id: int | None = None,
           arrival: Arrival | None = None) -> Upload:
    """A new empty upload (into `folder_id`, checked by the caller); the size and type
    rules of every file apply before any byte (a partial one's name, type and folder are
    its final upload's business). `arrival`: sent through an upload link (services.arrivals
    checked it), whose limits the owner's unfinished uploads are counted with. The
    owner's storage quota is checked by the declared length (`quotas`): 413 at once."""
    if length > settings.current("max_upload_bytes"):
        raise TooLarge.over(settings.current("max_upload_bytes"))
    clean = file_names.accepted_name(name) if not partial else "partial"
    upload = Upload(token=secrets.token_urlsafe(24), user_id=user_id, name=clean,
                    type=file_names.clean_type(declared_type, clean), length=length, offset=0,
                    handle=get_storage().start_upload(), expires_at=expiry(),
                    partial=partial, folder_id=folder_id if not partial else None)
    if arrival is not None:
        upload.request_id, upload.sender_name = arrival.request_id, arrival.sender_name
        upload.sender_email, upload.sender_ip = arrival.sender_email, arrival.sender_ip[:45]
    try:
        if arrival is None:
            quotas.hold_unfinished(user_id, length)
        else:
            quotas.hold_link_unfinished(user_id, arrival.request_id)
        # Under the lock just taken: the row added here reserves its length.
        quotas.check(user_id, length, way="tus" if arrival is None else "link",
                     files=0 if partial else 1)
        db.session.add(upload)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        abort_all([upload.handle])  # a row that landed anyway starts it again
        raise
    return upload


@dataclass(frozen=True)
class Arrival:
    """Who sends an upload through an upload link, and which link."""

    request_id: int
    sender_name: str | None
    sender_email: str | None
    sender_ip: str


def get_owned(user_id: int, token: str, request_id: int | None = None) -> Upload:
    """The user's upload (through the link `request_id`, or the user's own when None);
    another's is reported exactly like a missing one."""
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None or upload.user_id != user_id or upload.request_id != request_id:
        raise UploadNotFound()
    if upload.expires_at <= utcnow():
        raise UploadExpired()
    return upload


def finished(user_id: int, token: str, request_id: int | None = None) -> File:
    """The file a finished upload became, while its URL still answers as the upload would
    have (until UPLOAD_EXPIRY_HOURS after it finished): a client whose last answer was
    lost, or that resumes a stored URL, learns it is done instead of sending it again."""
    record = db.session.scalar(select(File).where(File.upload_token == token))
    if record is None or record.user_id != user_id or record.request_id != request_id:
        raise UploadNotFound()
    if finished_expiry(record) <= utcnow():
        raise UploadExpired()
    return record


def finished_expiry(record: File) -> datetime:
    return record.created_at + timedelta(hours=current_app.config["UPLOAD_EXPIRY_HOURS"])


def status(user_id: int, token: str, request_id: int | None = None) -> Progress:
    try:
        upload = get_owned(user_id, token, request_id)
    except UploadNotFound:
        record = finished(user_id, token, request_id)
        return Progress(record.size, record.size, finished_expiry(record), record.name,
                        record.type)
    return Progress(upload.offset, upload.length, upload.expires_at, upload.name,
                    upload.type, upload.partial)


def _lock(user_id: int, token: str, request_id: int | None = None) -> tuple[Upload, str]:
    """The upload, with its lease taken by this request (423 while another holds it).
    The caller `leases.forget`s the lease when the request ends."""
    db.session.commit()  # no read snapshot held while waiting for the write lock (SQLite)
    lease = leases.new()
    mine = (Upload.token == token, Upload.user_id == user_id,
            Upload.request_id.is_(None) if request_id is None
            else Upload.request_id == request_id)
    try:
        if not leases.claim([*mine, leases.free()], lease):
            upload = get_owned(user_id, token, request_id)  # 404 / 410 before 423
            held, until = upload.lock, upload.locked_until
            stale = held is not None and leases.holder_gone(held)
            if not (stale and leases.claim([*mine, Upload.lock == held], lease)) \
                    and not leases.claim([*mine, leases.free()], lease):
                raise leases.busy(until)
        locked = db.session.scalar(select(Upload).where(*mine))
        if locked is None:
            raise UploadNotFound()
    except BaseException:
        leases.forget(lease)
        raise
    return locked, lease


def append(user_id: int, token: str, offset: int, stream: Readable, length: int | None,
           checksum: tuple[str, bytes] | None = None, request_id: int | None = None,
           ) -> Appended:
    """Store the `length` bytes of `stream` at `offset` (None: up to its end, a chunked
    request); durable before the new offset is recorded. A stream that ends early (its
    client left) keeps what arrived."""
    body = Body(stream, length)
    try:
        upload = get_owned(user_id, token, request_id)
    except UploadNotFound:
        return _finished_before(user_id, token, offset, body, request_id)
    if offset != upload.offset:
        raise UploadOffsetMismatch(headers={"Upload-Offset": str(upload.offset)})
    if body.length is None:
        body.limit = upload.length - offset
    elif offset + body.length > upload.length:
        raise TooLarge("The body goes past Upload-Length.")
    upload, lease = _lock(user_id, token, request_id)
    upload_id = upload.id
    try:
        if upload.offset != offset:  # another request got in between
            raise UploadOffsetMismatch(headers={"Upload-Offset": str(upload.offset)})
        return _receive(upload, lease, body, checksum)  # releases the lease when it succeeds
    except BaseException:
        leases.release(upload_id, lease)
        raise
    finally:
        leases.forget(lease)


def _finished_before(user_id: int, token: str, offset: int, body: Body,
                     request_id: int | None) -> Appended:
    """A PATCH to a finished upload (its answer was lost): at its end and empty, it is
    answered as the last one was; nothing is stored twice."""
    record = finished(user_id, token, request_id)
    if offset != record.size:
        raise UploadOffsetMismatch(headers={"Upload-Offset": str(record.size)})
    if body.length or (body.length is None and body.stream.read(1)):
        raise TooLarge("The body goes past Upload-Length.")
    return Appended(record.size, finished_expiry(record), record)


def _receive(upload: Upload, lease: str, body: Body,
             checksum: tuple[str, bytes] | None) -> Appended:
    try:
        written, whole = _store(upload, body, checksum)
    except FileNotFoundError:
        return _staging_gone(upload, lease, body, checksum)
    return _acknowledge(upload, lease, written, whole)


def _store(upload: Upload, body: Body,
           checksum: tuple[str, bytes] | None) -> tuple[int, Any]:
    """Append the body; how many bytes count, and the whole file's running Digest."""
    storage, offset = get_storage(), upload.offset
    whole = _take_hasher(upload.token, offset)
    prefix = None
    if whole is None:
        whole = Digest()
        prefix = storage.read_upload(upload.handle, offset) if offset else None
    part = CHECKSUMS[checksum[0]]() if checksum else None
    pipe = HashPipe([whole, part] if part else [whole], prefix)
    try:
        written = storage.append(upload.handle, offset, body.chunks(pipe))
    except BaseException:
        with contextlib.suppress(Exception):
            pipe.close()  # its own error (e.g. a prefix that is gone) would hide this one
        raise
    pipe.close()
    if part is not None and checksum is not None:
        if not body.complete:
            written = 0  # a partial body cannot be verified: keep none of it
        elif not hmac.compare_digest(part.digest(), checksum[1]):
            raise ChecksumMismatch()
    if part is None or written:
        _keep_hasher(upload.token, offset + written, whole)
    return written, whole


def _acknowledge(upload: Upload, lease: str, written: int, whole: Any) -> Appended:
    offset = upload.offset + written
    if offset < upload.length or upload.partial:  # a partial one waits for its final
        expires = expiry()
        saved = rowcount(db.session.execute(
            update(Upload).where(Upload.id == upload.id, Upload.lock == lease)
            .values(offset=offset, expires_at=expires, lock=None, locked_until=None)
            .execution_options(synchronize_session=False)))
        if not saved:  # the lease ran out and another request took it: it decides
            raise leases.busy(None)
        db.session.expunge(upload)  # answered from what was just written, not re-read
        db.session.commit()
        return Appended(offset, expires, None)
    key = get_storage().finish_upload(upload.handle)
    _keep_hasher(upload.token, upload.length, whole)  # for a retry if the recording fails
    record = _settle(upload, lease, key, whole)
    return Appended(record.size, finished_expiry(record), record)


def _settle(upload: Upload, lease: str, key: str, whole: Any | None) -> File:
    digest = whole if whole is not None else files.stored_digest(key)
    record = upload_endings.settle(upload, lease, key, digest)
    with _hashers_lock:
        _hashers.pop(upload.token, None)
    return record


def _staging_gone(upload: Upload, lease: str, body: Body,
                  checksum: tuple[str, bytes] | None) -> Appended:
    """The unfinished upload's bytes are not where they were: finished but not recorded
    (step 3 cut short), never started (step 1), or lost."""
    storage, handle = get_storage(), upload.handle
    if storage.upload_published(handle):
        _discard(body)  # the bytes are all here already
        record = _settle(upload, lease, upload_key(handle),
                         _take_hasher(upload.token, upload.length))
        return Appended(record.size, finished_expiry(record), record)
    if upload.offset == 0 and body.received == 0:
        storage.start_upload(handle)
        return _acknowledge(upload, lease, *_store(upload, body, checksum))
    # Not deleted here: a storage that is only unmounted would lose every upload's row.
    # fsck --repair drops such rows, cleanup when they expire.
    log.error("unfinished upload %s: its bytes are missing", upload.id)
    raise UploadExpired("This upload's bytes are gone; start it again.")


def _discard(body: Body) -> None:
    """Read what the client sends, so the connection stays usable."""
    while body.stream.read(1024 * 1024):
        pass


def terminate(user_id: int, token: str, request_id: int | None = None) -> None:
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None or upload.user_id != user_id or upload.request_id != request_id:
        raise UploadNotFound()
    upload, lease = _lock(user_id, token, request_id)
    upload_id, handle = upload.id, upload.handle
    try:
        db.session.delete(upload)
        db.session.commit()
    except BaseException:
        leases.release(upload_id, lease)
        raise
    finally:
        leases.forget(lease)
    abort_all([handle])


def handles_of(user_id: int) -> list[str]:
    return list(db.session.scalars(select(Upload.handle).where(Upload.user_id == user_id)))


