"""Reading from S3: a seekable reader made of streamed ranged GETs, so a Range request
costs only the bytes asked for.

The bytes of a GET are read straight from its HTTP response (the `http.client` response
under botocore's StreamingBody and urllib3's wrapper): each `read(n)` is then one copy,
from the socket into the bytes returned, where going through the two wrappers copied
them three times and cost a third of a download's speed. A body urllib3 would have to
decode (a Content-Encoding) is read through the wrappers.
"""

from __future__ import annotations

import http.client
import io
from typing import Any

from .bucket import MIB, Bucket, S3Error, s3_errors

READ_WINDOW = 64 * MIB  # one GET per 64 MiB read on; the body streams, memory stays small
FIRST_WINDOW = 256 * 1024  # a peek at the first bytes (type checks) stays small


class S3Reader(io.RawIOBase):
    """A seekable reader: each window of the object is one ranged GET, opened lazily.
    Windows grow from 256 KiB to 64 MiB while reading on, and start small after a seek."""

    def __init__(self, bucket: Bucket, key: str, size: int) -> None:
        self._bucket = bucket
        self._key = key
        self._size = size
        self._pos = 0
        self._body: Any = None
        self._stream: Any = None  # what the body's bytes are read from
        self._body_end = 0
        self._window = FIRST_WINDOW

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
            self._drop_body()
            self._pos = position
            self._window = FIRST_WINDOW
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
        """Up to `size` bytes from the current position (fewer only at a window's end)."""
        if self._pos >= self._size or size <= 0:
            return b""
        if self._body is None:
            self._open(size)
        with s3_errors(self._key):
            data = self._stream.read(min(size, self._body_end - self._pos))
        if not data:
            raise S3Error(f"S3 object {self._key} ended early at byte {self._pos}")
        self._pos += len(data)
        if self._pos >= self._body_end:
            self._drop_body()
        return data

    def _open(self, size: int) -> None:
        end = min(self._size, self._pos + max(size, self._window, 1))
        self._window = min(READ_WINDOW, self._window * 4)
        with s3_errors(self._key):
            response = self._bucket.client.get_object(
                Bucket=self._bucket.name, Key=self._bucket.object_name(self._key),
                Range=f"bytes={self._pos}-{end - 1}")
        self._body, self._body_end = response["Body"], end
        raw = getattr(getattr(self._body, "_raw_stream", None), "_fp", None)
        plain = not response.get("ContentEncoding")
        self._stream = raw if plain and isinstance(raw, http.client.HTTPResponse) \
            else self._body

    def _drop_body(self) -> None:
        if self._body is not None:
            raw = getattr(self._body, "_raw_stream", None)
            if self._pos >= self._body_end and self._stream is not self._body and raw is not None:
                raw.release_conn()  # read to its end: the connection serves the next GET
            else:
                self._body.close()
            self._body = self._stream = None

    def close(self) -> None:
        self._drop_body()
        super().close()
