"""The storage interface: what the services need from wherever bytes live.

Failure rules every backend keeps: a full disk is `StorageFull` (507), never a bare
OSError; dropping a partial write never raises, so it cannot replace the error that
caused it (closing a file flushes its buffer, which fails again on a full disk).
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import StorageFull, TooLarge
from ..hashing import BackgroundDigest

log = logging.getLogger(__name__)
HANDLE_RE = re.compile(r"[0-9a-f]{32}")
RANGE_PIECE = 1024 * 1024
FULL = (errno.ENOSPC, errno.EDQUOT)


def new_key() -> str:
    """A server-made key (128 random bits), fanned out over 256 folders."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def new_handle() -> str:
    return secrets.token_hex(16)


def upload_key(handle: str) -> str:
    """The key a finished resumable upload is published under: derived from its handle,
    so the upload's row names its bytes before, during and after the publication."""
    if not HANDLE_RE.fullmatch(handle):
        raise ValueError(f"invalid upload handle: {handle!r}")
    return f"{handle[:2]}/{handle}"


class SizeChanged(OSError):
    """Stored bytes whose size is not the one recorded: never served as if they were."""


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL


def translated(exc: OSError) -> Exception:
    """The error to raise for a failed write: 507 for a full disk, else the OSError."""
    return StorageFull() if is_full(exc) else exc


class Writer(ABC):
    """Receives an upload's bytes, hashing and counting them as they arrive.

    Nothing is visible under a key until `commit`, which is durable and atomic;
    `abort` (or never committing) leaves no trace.
    """

    def __init__(self, max_bytes: int | None) -> None:
        self.max_bytes = max_bytes
        # The error past `max_bytes` when another limit than the file size binds (a
        # storage quota's room): called with the size reached. None: TooLarge.
        self.refusal: Callable[[int], Exception] | None = None
        self.size = 0
        # Hashed on a helper thread while the parser keeps receiving (compartilha.hashing).
        self._hash = BackgroundDigest()
        self.done = False

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def crc32(self) -> int:
        return self._hash.crc32

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes:
            self.abort()
            if self.refusal is not None:
                raise self.refusal(self.size)
            raise TooLarge.over(self.max_bytes)
        self._hash.update(data)
        try:
            self._write(data)
        except OSError as exc:
            self.abort()
            raise translated(exc) from exc
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        # Werkzeug rewinds each file part after parsing it; the bytes are already stored.
        return 0

    def commit(self) -> str:
        """Make the bytes durable under a new key and return the key. If that fails
        (the last buffered bytes hit a full disk), the partial bytes go."""
        try:
            key = self._commit()
        except OSError as exc:
            self.abort()
            raise translated(exc) from exc
        self.done = True
        return key

    def abort(self) -> None:
        """Drop the partial bytes. Never raises: it runs while another error (often a
        full disk, which the clean-up meets again) is on its way to the client."""
        if not self.done:
            self.done = True
            self._hash.hexdigest()  # ends the hashing thread
            try:
                self._abort()
            except Exception:
                log.exception("could not drop a partial upload")

    @abstractmethod
    def _write(self, data: bytes) -> None: ...

    @abstractmethod
    def _commit(self) -> str: ...

    @abstractmethod
    def _abort(self) -> None: ...


class Storage(ABC):
    """Where file bytes live. Every method is abstract: a backend implements them all
    (tests/storage/test_interface.py), and callers never ask which backend they have."""

    @abstractmethod
    def writer(self, max_bytes: int | None = None) -> Writer:
        """A writer whose bytes become a new key on commit."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A seekable binary reader of the key's bytes."""

    @abstractmethod
    def read_range(self, key: str, start: int, end: int,
                   expect_size: int | None = None) -> Iterator[bytes]:
        """The key's bytes [start, end), streamed in pieces of at most RANGE_PIECE (a
        ZIP of many files reads only the parts it sends). OSError if the key is gone or
        holds fewer than `end` bytes, or (checked where it costs nothing: the open file,
        the GET's Content-Range) its size is not `expect_size`: `SizeChanged`."""

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the key; a missing key is not an error."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every committed key (for fsck)."""

    @abstractmethod
    def age(self, key: str) -> float:
        """Seconds since the key was written (fsck leaves young keys alone: their row
        may be about to commit)."""

    @abstractmethod
    def stale_partials(self, older_than_seconds: float) -> list[str]:
        """Bytes of writers a crash left uncommitted, older than the age (for fsck)."""

    @abstractmethod
    def remove_partial(self, name: str) -> None:
        """Remove one of `stale_partials`."""

    # Resumable uploads (tus). An unfinished upload is named by an opaque handle the
    # database keeps; bytes arrive over many requests, possibly in different processes.
    # Callers never learn where or how the bytes are held (a local file, S3 parts…),
    # only that a finished one is published under `upload_key(handle)`.

    @abstractmethod
    def start_upload(self, handle: str | None = None) -> str:
        """Begin an empty unfinished upload (under `handle`, or a new one) and return its
        handle."""

    @abstractmethod
    def append(self, handle: str, offset: int, chunks: Iterable[bytes | memoryview]) -> int:
        """Write `chunks` at `offset`, which the caller has recorded as the bytes received
        so far: anything stored beyond it (an unacknowledged earlier attempt) is dropped.
        Durable before returning; returns how many bytes were written. A chunk buffer may
        be reused by the caller as soon as the next one is asked for. FileNotFoundError:
        no unfinished upload has this handle (never started, aborted, or published);
        StorageFull: no room, and nothing of this call is kept."""

    @abstractmethod
    def read_upload(self, handle: str, length: int) -> Iterator[bytes]:
        """The first `length` bytes of an unfinished upload (to rebuild its hash)."""

    @abstractmethod
    def finish_upload(self, handle: str) -> str:
        """Publish the unfinished upload atomically under `upload_key(handle)` and return
        the key; an upload published before (a finish repeated after a crash) is fine."""

    def upload_published(self, handle: str) -> bool:
        """Whether `finish_upload` completed for this handle (the same on every backend)."""
        return self.exists(upload_key(handle))

    @abstractmethod
    def abort_upload(self, handle: str) -> None:
        """Drop an unfinished upload's bytes (not a published one's: a row may hold
        those); an unknown handle is not an error."""

    @abstractmethod
    def unfinished_uploads(self) -> Iterator[tuple[str, float]]:
        """Every unfinished upload as (handle, seconds since it last changed), for fsck."""

    # What a backend can do beyond the above, for faster downloads.

    @abstractmethod
    def presigned_url(self, key: str, *, disposition: str, content_type: str,
                      expires: int = 300) -> str | None:
        """A URL the client can fetch the bytes from directly, or None to serve them here."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """The file holding the key's bytes on this machine (a web server can send it
        itself, X-Accel-Redirect), or None where the bytes are elsewhere."""
