"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, SeaweedFS, Garage) through boto3.

A writer streams into a multipart upload, one 8 MiB part sent while the next fills, so
memory holds at most two parts and nothing is copied to local disk; the object appears
only when the upload is completed (commit) and an aborted upload leaves nothing. A reader
serves the object through streamed ranged GETs, so Range requests cost only the bytes
asked for.
Credentials and region come from boto3's usual sources (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ~/.aws, an instance role); the endpoint of a
non-AWS server from S3_ENDPOINT_URL.
"""

from __future__ import annotations

import io
import logging
import math
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import Storage, Writer, new_key
from .s3_resumable import ResumableUploads

log = logging.getLogger(__name__)
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


class S3Storage(ResumableUploads, Storage):
    _errors = staticmethod(s3_errors)

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        if not bucket:
            raise ValueError("STORAGE_URL s3://bucket/prefix needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        self._client: Any = None
        self._client_pid = 0
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """One boto3 client per process (thread-safe; a forked worker makes its own)."""
        if self._client is None or self._client_pid != os.getpid():
            with self._lock:
                if self._client is None or self._client_pid != os.getpid():
                    self._client = self._make_client()
                    self._client_pid = os.getpid()
        return self._client

    def _make_client(self) -> Any:
        config = Config(
            signature_version="s3v4",
            # Most S3-compatible servers want the bucket in the path, not in the host name.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5, read_timeout=60, max_pool_connections=32,
        )
        return boto3.session.Session().client("s3", endpoint_url=self.endpoint_url,
                                               config=config)

    def object_name(self, key: str) -> str:
        """The object's name in the bucket, refusing keys that are not server-made."""
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts) or "\x00" in key:
            raise ValueError(f"invalid storage key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def writer(self, max_bytes: int | None = None) -> S3Writer:
        return S3Writer(self, max_bytes)

    def open(self, key: str) -> BinaryIO:
        return S3Reader(self, key, self.size(key))  # type: ignore[return-value]

    def size(self, key: str) -> int:
        with s3_errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with s3_errors(key):  # S3 answers 204 for a missing key too
            self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def keys(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        with s3_errors():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", []):
                    key = item["Key"][len(start):]
                    if not key.startswith(".tus/"):  # unfinished resumable uploads
                        yield key

    def stale_partials(self, older_than_seconds: float) -> list[str]:
        """Multipart uploads no part of which arrived for that long (a crashed writer or
        tus finish), named `<key> <upload id>`."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        start = f"{self.prefix}/" if self.prefix else ""
        stale = []
        with s3_errors():
            for page in self.client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket, Prefix=start):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] >= cutoff or self._recent_part(upload, cutoff):
                        continue
                    stale.append(f"{upload['Key'][len(start):]} {upload['UploadId']}")
        return sorted(stale)

    def _recent_part(self, upload: dict[str, Any], cutoff: datetime) -> bool:
        pages = self.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        return any(part["LastModified"] >= cutoff
                   for page in pages for part in page.get("Parts", []))

    def remove_partial(self, name: str) -> None:
        key, _, upload_id = name.partition(" ")
        if not upload_id:
            raise ValueError(f"not a partial upload: {name!r}")
        self.abort_multipart(self.object_name(key), upload_id)

    def abort_multipart(self, object_name: str, upload_id: str) -> None:
        """Drop an unfinished upload's parts; failures are logged (a bucket lifecycle
        rule for incomplete uploads is the backstop)."""
        try:
            with s3_errors(object_name):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=object_name,
                                                   UploadId=upload_id)
        except OSError:
            log.exception("could not abort multipart upload %s of %s", upload_id, object_name)

    def presigned_url(self, key: str, *, disposition: str, content_type: str,
                      expires: int = 300) -> str | None:
        """A short-lived GET URL answering with these Content-Disposition and Content-Type."""
        with s3_errors(key):
            return self.client.generate_presigned_url(
                "get_object", ExpiresIn=expires, Params={
                    "Bucket": self.bucket, "Key": self.object_name(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                })
