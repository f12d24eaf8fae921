"""Moving bytes at line speed while they are hashed: request bodies into storage.

Every file gets two checksums at upload (`Digest`): the sha256 (ETag, fsck) and the CRC-32
a ZIP entry needs (zipstream), updated together on the hashing thread, never on the one
receiving. zlib's CRC-32 adds about a third to that thread's work (~0.37 s/GiB against
sha256's ~1.2 s/GiB on the test machine) and releases the GIL too (docs/zip.md).

What costs time on this kind of machine (bench/README.md): small reads and fresh
buffers, large power-of-two writes into fresh page-cache pages, and sha256 (~0.5 s of
CPU per GiB) on the thread that also receives. So a body is read in large pieces — into
a small pool of reused buffers when the stream has `readinto`, else as the bytes `read`
returns, which are then written and hashed as they are, without another copy — written
in CHUNK-sized slices, and hashed on a second thread (hashlib releases the GIL on large
buffers) while the receiving thread writes.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol


class Readable(Protocol):
    """A plain binary stream (a request body, a file): `read` returns fewer bytes than
    asked only at its end. One with `readinto` is read into pooled buffers."""

    def read(self, size: int = -1, /) -> bytes: ...


# Not a power of two: large aligned writes into fresh page-cache pages were the slow case.
CHUNK = 4 * 65_000
# One read of the body. gunicorn's Body (no readinto) hands over at most 1 MiB per step:
# larger reads are assembled in one more buffer, smaller ones re-copy what it read ahead.
READ_SIZE = 1024 * 1024
POOL = 8  # pieces per body: how far the hashing thread may fall behind
_spare: list[bytearray] = []
_spare_lock = threading.Lock()


def _borrow(count: int) -> list[bytearray]:
    with _spare_lock:
        taken = _spare[-count:] if count <= len(_spare) else list(_spare)
        del _spare[len(_spare) - len(taken):]
    return taken + [bytearray(CHUNK) for _ in range(count - len(taken))]


def _give_back(buffers: list[bytearray]) -> None:
    with _spare_lock:
        _spare.extend(buffers[: max(0, 8 * POOL - len(_spare))])


class HashPipe:
    """Feeds received pieces to hashers on another thread.

    A piece is either a pooled buffer (`buffer()`, then `feed`), recycled once hashed, or
    immutable bytes (`feed_bytes`), hashed as they are; either way at most POOL pieces
    wait, so memory stays flat. `prefix` (bytes already stored, e.g. when an upload
    resumes in another process) is hashed into the first hasher before anything fed here.
    The pool is allocated on the first `buffer()` only."""

    def __init__(self, hashers: list[Any], prefix: Iterable[bytes] | None = None) -> None:
        self._hashers = hashers
        self._prefix = prefix
        self._buffers: list[bytearray] = []
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._room = threading.BoundedSemaphore(POOL)
        self._work: queue.SimpleQueue[tuple[Any, int] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def buffer(self) -> bytearray:
        if not self._buffers:
            self._buffers = _borrow(POOL)
            for buf in self._buffers:
                self._free.put(buf)
        return self._free.get()

    def feed(self, buf: bytearray, n: int) -> None:
        self._work.put((buf, n))

    def feed_bytes(self, data: bytes) -> None:
        self._room.acquire()
        self._work.put((data, len(data)))

    def recycle(self, buf: bytearray) -> None:
        self._free.put(buf)

    def _run(self) -> None:
        try:
            for data in self._prefix or ():
                self._hashers[0].update(data)
        except BaseException as exc:  # reported by close(); keep recycling buffers
            self.error = exc
        while (item := self._work.get()) is not None:
            data, n = item
            if self.error is None:
                try:
                    with memoryview(data) as view:
                        for hasher in self._hashers:
                            hasher.update(view[:n])
                except BaseException as exc:
                    self.error = exc
            if isinstance(data, bytearray):
                self._free.put(data)
            else:
                self._room.release()

    def close(self) -> None:
        """Wait for the hashers to catch up; raise what went wrong on their thread."""
        self._work.put(None)
        self._thread.join()
        _give_back(self._buffers)
        self._buffers = []
        if self.error is not None:
            raise self.error


def hashed_chunks(stream: Readable, pipe: HashPipe) -> Iterator[memoryview]:
    """The stream's bytes in CHUNK-sized views, each piece also fed to `pipe` for hashing.
    A view is valid until the next one is asked for (its buffer goes back to the pool)."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None and not getattr(stream, "readinto_copies", False):
        yield from _pooled_chunks(readinto, pipe)
        return
    while data := stream.read(READ_SIZE):
        pipe.feed_bytes(data)
        with memoryview(data) as view:
            for start in range(0, len(data), CHUNK):
                yield view[start:start + CHUNK]


def _pooled_chunks(readinto: Any, pipe: HashPipe) -> Iterator[memoryview]:
    while True:
        buf = pipe.buffer()
        n = readinto(buf) or 0
        if n == 0:
            pipe.recycle(buf)
            return
        pipe.feed(buf, n)
        with memoryview(buf) as view:
            yield view[:n]


class Digest:
    """The sha256 and the CRC-32 (unsigned) of the same bytes, updated together: a
    hasher for HashPipe, for the running hash of a tus upload, and for BackgroundDigest."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.crc32 = 0

    def update(self, data: Any) -> None:
        self._sha256.update(data)
        self.crc32 = zlib.crc32(data, self.crc32)

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


class BackgroundDigest:
    """A Digest whose updates run on a helper thread (for the multipart parser's bytes,
    which are immutable, so they are queued as they are) once the file is past a few MiB.
    Bounded: the parser waits when the hasher is more than MAX_QUEUED pieces behind."""

    MAX_QUEUED = 64

    def __init__(self) -> None:
        self._hash = Digest()
        self._work: queue.Queue[bytes | None] = queue.Queue(self.MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._seen = 0

    INLINE_BYTES = 4 * 1024 * 1024  # small files: a thread would cost more than it saves

    def update(self, data: bytes) -> None:
        self._seen += len(data)
        if self._seen <= self.INLINE_BYTES or len(data) < 16384:
            self._drain()
            self._hash.update(data)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="digest", daemon=True)
            self._thread.start()
        self._work.put(data)

    def _run(self) -> None:
        while (data := self._work.get()) is not None:
            self._hash.update(data)

    def _drain(self) -> None:
        if self._thread is not None:
            self._work.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self._drain()
        return self._hash.hexdigest()

    @property
    def crc32(self) -> int:
        self._drain()
        return self._hash.crc32
