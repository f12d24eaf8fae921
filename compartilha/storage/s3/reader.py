"""Reading from S3: a seekable reader made of streamed ranged GETs, so a Range request
costs only the bytes asked for."""

from __future__ import annotations

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

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size or len(buffer) == 0:
            return 0
        if self._body is None:
            end = min(self._size, self._pos + max(len(buffer), self._window, 1))
            self._window = min(READ_WINDOW, self._window * 4)
            with s3_errors(self._key):
                response = self._bucket.client.get_object(
                    Bucket=self._bucket.name, Key=self._bucket.object_name(self._key),
                    Range=f"bytes={self._pos}-{end - 1}")
            self._body, self._body_end = response["Body"], end
        with s3_errors(self._key):
            data = self._body.read(min(len(buffer), self._body_end - self._pos))
        if not data:
            raise S3Error(f"S3 object {self._key} ended early at byte {self._pos}")
        buffer[: len(data)] = data
        self._pos += len(data)
        if self._pos >= self._body_end:
            self._drop_body()
        return len(data)

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()
