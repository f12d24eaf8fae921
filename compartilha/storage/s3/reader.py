"""Reading from S3: a seekable reader made of streamed ranged GETs, so a Range request
costs only the bytes asked for.

The bytes of a GET are read straight from its HTTP response (the `http.client` response
under botocore's StreamingBody and urllib3's wrapper): each `read(n)` is then one copy,
from the socket into the bytes returned, where going through the two wrappers copied
them three times and cost a third of a download's speed. A body urllib3 would have to
decode (a Content-Encoding) is read through the wrappers.

Reading on past the first READ_AHEAD_AFTER bytes, the GETs move to a helper thread that
reads ahead while the caller sends what it has (a download would otherwise wait for S3,
then for its client, in turn): at most READ_AHEAD bytes wait in a bounded queue, in
pieces of the size the caller reads, handed over as they are (no copy). A seek or close
stops the thread and drops what it read.
"""

from __future__ import annotations

import http.client
import io
import queue
import threading
from collections.abc import Iterator
from typing import Any

from ..interface import RANGE_PIECE, SizeChanged
from .bucket import MIB, Bucket, S3Error, s3_errors

READ_WINDOW = 64 * MIB  # one GET per 64 MiB read on; the body streams, memory stays small
FIRST_WINDOW = 256 * 1024  # a peek at the first bytes (type checks) stays small
READ_AHEAD_AFTER = 512 * 1024  # read on this far (and to a GET's end): the rest is read ahead
READ_AHEAD = 8 * MIB  # at most this much read and not yet taken, per reader
MIN_PIECE = 64 * 1024
STOP_WAIT = 2.0  # seconds a close waits for the read-ahead's current read
_END = object()  # the read-ahead's last item after the object's last byte


class _Get:
    """One ranged GET, read from its HTTP response itself where that is plain bytes;
    `total`: the object's size its Content-Range gave (None if it gave none)."""

    def __init__(self, bucket: Bucket, key: str, start: int, end: int) -> None:
        with s3_errors(key):
            response = bucket.client.get_object(
                Bucket=bucket.name, Key=bucket.object_name(key), Range=f"bytes={start}-{end - 1}")
        self.body, self.end = response["Body"], end
        total = str(response.get("ContentRange") or "").rpartition("/")[2]
        self.total = int(total) if total.isdigit() else None
        raw = getattr(getattr(self.body, "_raw_stream", None), "_fp", None)
        plain = not response.get("ContentEncoding")
        self.stream = raw if plain and isinstance(raw, http.client.HTTPResponse) else self.body

    def drop(self, read_out: bool) -> None:
        raw = getattr(self.body, "_raw_stream", None)
        if read_out and self.stream is not self.body and raw is not None:
            raw.release_conn()  # read to its end: the connection serves the next GET
        else:
            self.body.close()


class _ReadAhead:
    """A thread reading [start, size) in `piece`-sized bytes into a bounded queue."""

    def __init__(self, bucket: Bucket, key: str, start: int, size: int, window: int,
                 piece: int) -> None:
        self.bucket, self.key, self.start, self.size = bucket, key, start, size
        self.window, self.piece = window, piece
        self.items: queue.Queue[Any] = queue.Queue(max(2, READ_AHEAD // piece))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="s3-read-ahead", daemon=True)
        self.thread.start()

    def _put(self, item: Any) -> bool:
        while not self.stopped.is_set():
            try:
                self.items.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        pos, get = self.start, None
        try:
            while pos < self.size and not self.stopped.is_set():
                if get is None:
                    get = _Get(self.bucket, self.key, pos, min(self.size, pos + self.window))
                    self.window = min(READ_WINDOW, self.window * 4)
                with s3_errors(self.key):
                    data = get.stream.read(min(self.piece, get.end - pos))
                if not data:
                    raise S3Error(f"S3 object {self.key} ended early at byte {pos}")
                pos += len(data)
                if pos >= get.end:
                    get.drop(read_out=True)
                    get = None
                if not self._put(data):
                    break
            else:
                self._put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            self._put(exc)
        finally:
            if get is not None:
                get.drop(read_out=False)

    def take(self) -> Any:
        return self.items.get()

    def stop(self) -> None:
        """End the thread and drop what it read. Waits for its current read, but not
        longer than STOP_WAIT (a stalled S3 would hold the request that closes the
        reader): the thread then ends by itself after that read, dropping its GET."""
        self.stopped.set()
        while True:  # make room, so a put waiting on a full queue sees the stop at once
            try:
                self.items.get_nowait()
            except queue.Empty:
                break
        self.thread.join(STOP_WAIT)
        while not self.items.empty():
            self.items.get_nowait()


class S3Reader(io.RawIOBase):
    """A seekable reader: each window of the object is one ranged GET, opened lazily.
    Windows grow from 256 KiB to 64 MiB while reading on, and start small after a seek;
    past READ_AHEAD_AFTER bytes read on, a helper thread reads ahead (_ReadAhead)."""

    def __init__(self, bucket: Bucket, key: str, size: int) -> None:
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0
        self._get: _Get | None = None
        self._window = FIRST_WINDOW
        self._read_on = 0  # bytes read since the last open or seek
        self._ahead: _ReadAhead | None = None
        self._left = b""  # the rest of a read-ahead piece larger than the last read

    @property
    def _stream(self) -> Any:
        return self._get.stream if self._get is not None else None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        position = max(0, base + offset)
        if position != self._pos:
            self._drop()
            self._pos = position
            self._window = FIRST_WINDOW
            self._read_on = 0
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        return self._read(size)

    def readall(self) -> bytes:
        return b"".join(iter(lambda: self._read(READ_WINDOW), b""))

    def readinto(self, buffer: Any) -> int:
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read(self, size: int) -> bytes:
        """Up to `size` bytes from the current position (fewer only at a window's or a
        read-ahead piece's end)."""
        if self._pos >= self._size or size <= 0:
            return b""
        if self._ahead is None and self._get is None and self._read_on >= READ_AHEAD_AFTER:
            self._start_ahead(size)
        data = self._from_ahead(size) if self._ahead is not None else self._from_get(size)
        self._pos += len(data)
        self._read_on += len(data)
        return data

    def _from_get(self, size: int) -> bytes:
        if self._get is None:
            end = min(self._size, self._pos + max(size, self._window, 1))
            self._window = min(READ_WINDOW, self._window * 4)
            self._get = _Get(self._bucket, self._key, self._pos, end)
        get = self._get
        with s3_errors(self._key):
            data = get.stream.read(min(size, get.end - self._pos))
        if not data:
            raise S3Error(f"S3 object {self._key} ended early at byte {self._pos}")
        if self._pos + len(data) >= get.end:
            get.drop(read_out=True)
            self._get = None
        return data

    def _start_ahead(self, size: int) -> None:
        """Read the rest on a helper thread (between GETs: no connection is dropped)."""
        piece = min(MIB, max(MIN_PIECE, size))
        self._ahead = _ReadAhead(self._bucket, self._key, self._pos, self._size,
                                 self._window, piece)

    def _from_ahead(self, size: int) -> bytes:
        assert self._ahead is not None  # noqa: S101
        data, self._left = self._left, b""
        if not data:
            data = self._ahead.take()
            if data is _END:
                raise S3Error(f"S3 object {self._key} ended early at byte {self._pos}")
            if isinstance(data, BaseException):
                self._drop()
                raise data
        if len(data) > size:
            data, self._left = data[:size], data[size:]
        return data

    def _drop(self) -> None:
        if self._get is not None:
            self._get.drop(read_out=False)
            self._get = None
        if self._ahead is not None:
            self._ahead.stop()
            self._ahead = None
        self._left = b""

    def close(self) -> None:
        self._drop()
        super().close()


def read_range(bucket: Bucket, key: str, start: int, end: int,
               expect_size: int | None = None) -> Iterator[bytes]:
    """[start, end) of the object in one GET, streamed in RANGE_PIECE pieces (the socket's
    buffers keep S3 sending while the caller sends on); its size checked against
    `expect_size` from the GET's Content-Range. An empty range reads nothing."""
    if start >= end:
        return
    get = _Get(bucket, key, start, end)
    read_out = False
    try:
        if expect_size is not None and get.total is not None and get.total != expect_size:
            raise SizeChanged(f"S3 object {key} holds {get.total} bytes, not {expect_size}")
        while start < end:
            with s3_errors(key):
                data = get.stream.read(min(RANGE_PIECE, end - start))
            if not data:
                raise SizeChanged(f"S3 object {key} ended early at byte {start}")
            start += len(data)
            yield data
        read_out = True
    finally:
        get.drop(read_out)
