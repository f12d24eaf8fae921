"""Moving request bodies at line speed through the server's public interface.

A body is read only through `environ["wsgi.input"]`, and never past its Content-Length.
The server keeps the framing of the connection: whatever the application leaves unread
(an upload refused before its bytes arrived) is the server's to drain or to close on —
gunicorn 27 drains up to 64 KiB for at most 5 s and otherwise closes the connection — so
a body can never run into the next request on a keep-alive connection. The app does not
drain a refused body itself: that could mean reading gigabytes for a 409, and closing is
the server's call (gunicorn drops a `Connection: close` set by the app, a hop-by-hop
header, and offers no other public way to ask for it), which it makes for large bodies.

What costs time on this kind of machine (bench/README.md, /work/shared/PERF-NOTES.md):
small reads and fresh buffers, large power-of-two writes into fresh page-cache pages, and
sha256 (~0.5 s of CPU per GiB) on the thread that also receives. So the body is read in
large pieces — into a small pool of reused buffers when the stream has `readinto`, else
as the bytes `read` returns, which are then written and hashed as they are, without
another copy — written in CHUNK-sized slices, and hashed on a second thread (hashlib
releases the GIL on large buffers) while the receiving thread writes.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

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


def limit_idle_reads(environ: dict[str, Any], seconds: float) -> None:
    """Make a read of this request's body that waits `seconds` for a byte fail.

    A WSGI read blocks its thread until the client sends; an upload whose client stops
    sending would hold a thread for good. The one public handle a server offers on that
    wait is the connection's socket timeout: gunicorn puts the socket in the environ as
    `gunicorn.socket`. Only its timeout is set here (the bytes still go through
    `wsgi.input`): gunicorn's own reader then raises, marks the body failed and closes
    the connection, and the next request on a kept-alive connection starts with the
    socket blocking again. Other servers: their own timeouts apply."""
    sock = environ.get("gunicorn.socket")
    if seconds > 0 and callable(getattr(sock, "settimeout", None)):
        sock.settimeout(seconds)


class BodyReader:
    """Reads up to `length` bytes of the request body from `environ["wsgi.input"]`.

    A client that goes away, or stays silent past `limit_idle_reads`, just ends the body:
    `complete` tells whether every declared byte arrived.
    """

    def __init__(self, environ: dict[str, Any], length: int) -> None:
        self.length = length
        self.received = 0
        self.failed = False
        self._stream: Any = environ["wsgi.input"]
        self._readinto = getattr(self._stream, "readinto", None)

    @property
    def complete(self) -> bool:
        return self.received == self.length

    def _count(self, n: int) -> None:
        if n == 0:
            self.failed = True
        self.received += n

    def readinto(self, buf: bytearray) -> int:
        """Fill `buf` (fewer bytes only at the end of the body or when the client left)."""
        filled = 0
        with memoryview(buf) as view:
            while not self.failed:
                want = min(len(buf) - filled, self.length - self.received)
                if want <= 0:
                    break
                try:
                    n = self._read_some(view[filled:filled + want])
                except (OSError, ValueError):  # reset, timeout, or a closed stream
                    n = 0
                self._count(n)
                filled += n
        return filled

    def _read_some(self, view: memoryview) -> int:
        # gunicorn's body has no readinto: one read of at most len(view) bytes, copied in.
        if self._readinto is not None:
            return self._readinto(view) or 0
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        """A file-like read: `size` bytes, fewer only at the end of the body."""
        left = self.length - self.received
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0 or self.failed:
            return b""
        try:
            data = self._stream.read(size)
        except (OSError, ValueError):  # reset, timeout, or a closed stream
            data = b""
        self._count(len(data))
        return data

    def chunks(self, pipe: HashPipe) -> Iterator[memoryview]:
        """The body in CHUNK-sized views, each piece also fed to `pipe` for hashing."""
        if self._readinto is not None:
            yield from self._pooled_chunks(pipe)
            return
        while data := self.read(READ_SIZE):
            pipe.feed_bytes(data)
            with memoryview(data) as view:
                for start in range(0, len(data), CHUNK):
                    yield view[start:start + CHUNK]

    def _pooled_chunks(self, pipe: HashPipe) -> Iterator[memoryview]:
        while True:
            buf = pipe.buffer()
            n = self.readinto(buf)
            if n == 0:
                pipe.recycle(buf)
                return
            pipe.feed(buf, n)
            with memoryview(buf) as view:
                yield view[:n]


class BackgroundSha256:
    """sha256 whose updates run on a helper thread (for the multipart parser's bytes,
    which are immutable, so they are queued as they are) once the file is past a few MiB.
    Bounded: the parser waits when the hasher is more than MAX_QUEUED pieces behind."""

    MAX_QUEUED = 64

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
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
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
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
