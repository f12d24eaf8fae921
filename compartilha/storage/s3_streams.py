"""Moving bytes to and from S3 for S3Storage: a writer streaming into a multipart upload,
a reader made of ranged GETs, and the translation of botocore's errors into OSError."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .interface import Writer, new_key

if TYPE_CHECKING:
    from .s3 import S3Storage

MIB = 1024 * 1024
PART_SIZE = 8 * MIB  # S3 needs >= 5 MiB for every part but the last
MAX_PARTS = 10_000
READ_WINDOW = 64 * MIB  # one GET per 64 MiB read on; the body streams, memory stays small
FIRST_WINDOW = 256 * 1024  # a peek at the first bytes (type checks) stays small
MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Error(OSError):
    """An S3 call failed: an OSError, so callers handle it like a failing disk."""


@contextmanager
def s3_errors(key: str = "") -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in MISSING:
            raise FileNotFoundError(f"no such stored object: {key}") from exc
        raise S3Error(f"S3 {code}: {exc}") from exc
    except BotoCoreError as exc:
        raise S3Error(f"S3 unreachable: {exc}") from exc


def part_size_for(max_bytes: int | None) -> int:
    """8 MiB parts, larger when the upload limit would need more than 10,000 of them."""
    if not max_bytes:
        return PART_SIZE
    return max(PART_SIZE, math.ceil(max_bytes / (MAX_PARTS - 1) / MIB) * MIB)


class S3Writer(Writer):
    """Each full part goes up on a helper thread while the next one fills, so receiving
    and sending overlap; memory holds at most two parts."""

    def __init__(self, storage: S3Storage, max_bytes: int | None) -> None:
        super().__init__(max_bytes)
        self._storage = storage
        self._key = new_key()
        self._object = storage.object_name(self._key)
        self._part_size = part_size_for(max_bytes)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._sender: ThreadPoolExecutor | None = None
        self._in_flight: Future[dict[str, Any]] | None = None

    def _write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            self._send_part(self._part_size)

    def _send_part(self, size: int) -> None:
        client, bucket = self._storage.client, self._storage.bucket
        if self._upload_id is None:
            with s3_errors(self._key):
                self._upload_id = client.create_multipart_upload(
                    Bucket=bucket, Key=self._object)["UploadId"]
            self._sender = ThreadPoolExecutor(1, thread_name_prefix="s3-part")
        body = bytes(self._buffer[:size])
        del self._buffer[:size]
        self._wait()
        number = len(self._parts) + 1
        assert self._sender is not None  # noqa: S101 - set with the upload id
        self._in_flight = self._sender.submit(self._upload_part, number, body)

    def _upload_part(self, number: int, body: bytes) -> dict[str, Any]:
        with s3_errors(self._key):
            etag = self._storage.client.upload_part(
                Bucket=self._storage.bucket, Key=self._object, UploadId=self._upload_id,
                PartNumber=number, Body=body)["ETag"]
        return {"PartNumber": number, "ETag": etag}

    def _wait(self) -> None:
        """Wait for the part in flight; its failure is raised here (an OSError)."""
        if self._in_flight is not None:
            future, self._in_flight = self._in_flight, None
            self._parts.append(future.result())

    def _stop_sender(self) -> None:
        if self._sender is not None:
            self._sender.shutdown(wait=True)
            self._sender = None

    def _commit(self) -> str:
        client, bucket = self._storage.client, self._storage.bucket
        if self._upload_id is None:
            # Smaller than one part: a single PUT, atomic like a completed upload.
            with s3_errors(self._key):
                client.put_object(Bucket=bucket, Key=self._object, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._send_part(len(self._buffer))
            self._wait()
            self._stop_sender()
            with s3_errors(self._key):
                client.complete_multipart_upload(
                    Bucket=bucket, Key=self._object, UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts})
        self._buffer = bytearray()
        return self._key

    def _abort(self) -> None:
        self._buffer = bytearray()
        try:
            self._wait()
        except OSError:
            pass  # the upload is being dropped anyway
        self._stop_sender()
        if self._upload_id is not None:
            self._storage.abort_multipart(self._object, self._upload_id)


class S3Reader(io.RawIOBase):
    """A seekable reader: each window of the object is one ranged GET, opened lazily.
    Windows grow from 256 KiB to 64 MiB while reading on, and start small after a seek."""

    def __init__(self, storage: S3Storage, key: str, size: int) -> None:
        self._storage = storage
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
                response = self._storage.client.get_object(
                    Bucket=self._storage.bucket, Key=self._storage.object_name(self._key),
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
