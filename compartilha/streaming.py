"""Moving request bodies at line speed: large reads into reused buffers, few copies,
sha256 on a helper thread.

What costs time on this kind of machine (bench/README.md, /work/shared/PERF-NOTES.md):
fresh 1 MiB buffers (mmap'd and faulted in on every read), gunicorn's `Body.read`, which
passes each piece through several BytesIO copies, and sha256 (~0.5 s of CPU per GiB) done
on the thread that also receives. So the body is read with `recv_into` into a small pool
of buffers that is reused for the life of the process, and hashed by a second thread
(hashlib releases the GIL on large buffers) while the receiving thread writes.
"""

from __future__ import annotations

import hashlib
import io
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

# Not a power of two: large aligned writes into fresh page-cache pages were the slow case.
CHUNK = 4 * 65_000
POOL = 8  # buffers per body: how far the hashing thread may fall behind
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
    """Feeds filled buffers to hashers on another thread and recycles the buffers.

    `prefix` (bytes already stored, e.g. when an upload resumes in another process)
    is hashed into the first hasher before anything fed here."""

    def __init__(self, hashers: list[Any], prefix: Iterable[bytes] | None = None) -> None:
        self._hashers = hashers
        self._prefix = prefix
        self._buffers = _borrow(POOL)
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for buf in self._buffers:
            self._free.put(buf)
        self._work: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def buffer(self) -> bytearray:
        return self._free.get()

    def feed(self, buf: bytearray, n: int) -> None:
        self._work.put((buf, n))

    def recycle(self, buf: bytearray) -> None:
        self._free.put(buf)

    def _run(self) -> None:
        try:
            for data in self._prefix or ():
                self._hashers[0].update(data)
        except BaseException as exc:  # reported by close(); keep recycling buffers
            self.error = exc
        while (item := self._work.get()) is not None:
            buf, n = item
            if self.error is None:
                try:
                    with memoryview(buf) as view:
                        for hasher in self._hashers:
                            hasher.update(view[:n])
                except BaseException as exc:
                    self.error = exc
            self._free.put(buf)

    def close(self) -> None:
        """Wait for the hashers to catch up; raise what went wrong on their thread."""
        self._work.put(None)
        self._thread.join()
        _give_back(self._buffers)
        self._buffers = []
        if self.error is not None:
            raise self.error


class BodyReader:
    """Reads up to `length` bytes of the request body into caller-supplied buffers.

    Under gunicorn it reads the socket directly (after the bytes gunicorn already
    buffered), and tells gunicorn's body reader how much is left, so keep-alive still
    finds the next request where it belongs. A client that goes away just ends the body:
    `complete` tells whether every declared byte arrived.
    """

    def __init__(self, environ: dict[str, Any], length: int) -> None:
        self.length = length
        self.received = 0
        self.failed = False
        self._environ = environ
        self._gunicorn_reader: Any = None
        self._sock: Any = None
        self._pending = b""
        self._stream: Any = environ["wsgi.input"]
        self._attach_gunicorn()

    @property
    def complete(self) -> bool:
        return self.received == self.length

    def _attach_gunicorn(self) -> None:
        body, sock = self._environ["wsgi.input"], self._environ.get("gunicorn.socket")
        reader = getattr(body, "reader", None)
        unreader = getattr(reader, "unreader", None)
        if (sock is None or type(reader).__name__ != "LengthReader"
                or getattr(reader, "length", None) != self.length
                or not isinstance(getattr(unreader, "buf", None), io.BytesIO)
                or body.buf.tell()):
            return
        buffered = unreader.buf.getvalue()
        self._pending, rest = buffered[: self.length], buffered[self.length:]
        unreader.buf = io.BytesIO()
        unreader.buf.write(rest)
        self._gunicorn_reader, self._sock = reader, sock

    @property
    def direct(self) -> bool:
        """Whether the socket is read directly (under gunicorn)."""
        return self._sock is not None

    def _read_some(self, buf: memoryview, want: int) -> int:
        if self._pending:
            n = min(want, len(self._pending))
            buf[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n
        if self._sock is not None:
            return self._sock.recv_into(buf, want)
        data = self._stream.read(want)
        buf[: len(data)] = data
        return len(data)

    def readinto(self, buf: bytearray) -> int:
        """Fill `buf` (fewer bytes only at the end of the body or when the client left)."""
        filled, view = 0, memoryview(buf)
        try:
            while not self.failed:
                want = min(len(buf) - filled, self.length - self.received)
                if want <= 0:
                    break
                try:
                    n = self._read_some(view[filled:], want)
                except (OSError, ValueError):  # reset, timeout, or a closed stream
                    n = 0
                if n == 0:
                    self._fail()
                self.received += n
                filled += n
        finally:
            view.release()
            if self._gunicorn_reader is not None:
                self._gunicorn_reader.length = self.length - self.received
        return filled

    def _fail(self) -> None:
        self.failed = True
        if self._gunicorn_reader is not None:
            self._environ["wsgi.input"].failed = True  # do not reuse this connection

    def read(self, size: int = -1) -> bytes:
        """A file-like read for parsers that want bytes (the multipart form): one recv,
        no intermediate copies."""
        left = self.length - self.received
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0 or self.failed:
            return b""
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
        else:
            try:
                data = self._sock.recv(size) if self._sock is not None else \
                    self._stream.read(size)
            except (OSError, ValueError):
                data = b""
        if not data:
            self._fail()
        self.received += len(data)
        if self._gunicorn_reader is not None:
            self._gunicorn_reader.length = self.length - self.received
        return data

    def chunks(self, pipe: HashPipe) -> Iterator[memoryview]:
        """The body as views of pooled buffers, each also fed to `pipe` for hashing."""
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
