"""One S3 bucket under a prefix: its client, its object names, and botocore's errors as
OSError. The writer, the reader and the resumable uploads all go through it.

Credentials and region come from boto3's usual sources (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ~/.aws, an instance role); the endpoint of a
non-AWS server from S3_ENDPOINT_URL.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)
MIB = 1024 * 1024
# Every part of a multipart upload but the last must be >= 5 MiB: the writer's parts and
# the chunks of a resumable upload are this size.
PART_SIZE = 8 * MIB
MISSING = {"404", "NoSuchKey", "NotFound"}
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE")

_clients: dict[tuple[str | None, ...], Any] = {}
_clients_lock = threading.Lock()


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


def shared_client(endpoint_url: str | None) -> Any:
    """One client per process, endpoint and credentials: making one loads boto3's service
    models (about 0.3 s), and its connection pool is best shared."""
    key = (str(os.getpid()), endpoint_url, *(os.environ.get(name) for name in CREDENTIALS))
    with _clients_lock:
        if key not in _clients:
            config = Config(
                signature_version="s3v4",
                # Most S3-compatible servers want the bucket in the path, not the host name.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=5, read_timeout=60,
                # 8 threads per worker, each upload with 4 parts (and 4 copies) at once
                max_pool_connections=64,
            )
            _clients[key] = boto3.session.Session().client("s3", endpoint_url=endpoint_url,
                                                           config=config)
        return _clients[key]


class Bucket:
    def __init__(self, name: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        if not name:
            raise ValueError("STORAGE_URL s3://bucket/prefix needs a bucket name")
        self.name = name
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url or None
        self._client: Any = None
        self._client_pid = 0

    @property
    def client(self) -> Any:
        """A boto3 client shared in this process (thread-safe; a forked worker makes its own)."""
        if self._client is None or self._client_pid != os.getpid():
            self._client = shared_client(self.endpoint_url)
            self._client_pid = os.getpid()
        return self._client

    def object_name(self, key: str) -> str:
        """The object's name in the bucket, refusing keys that are not server-made."""
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts) or "\x00" in key:
            raise ValueError(f"invalid storage key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def head(self, key: str) -> dict[str, Any]:
        """The object's metadata (ContentLength, LastModified); FileNotFoundError if none."""
        with s3_errors(key):
            return self.client.head_object(Bucket=self.name, Key=self.object_name(key))

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except FileNotFoundError:
            return False
        return True

    @property
    def root(self) -> str:
        """The prefix every object name of this storage starts with."""
        return f"{self.prefix}/" if self.prefix else ""

    def listing(self, start: str) -> Iterator[dict[str, Any]]:
        """Every object whose name starts with `start` (as list_objects_v2 gives them)."""
        with s3_errors():
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.name, Prefix=start):
                yield from page.get("Contents", [])

    def get(self, name: str, length: int) -> bytes:
        """The first `length` bytes of an object, all of them or OSError."""
        if length <= 0:
            return b""
        with s3_errors(name):
            body = self.client.get_object(Bucket=self.name, Key=name,
                                          Range=f"bytes=0-{length - 1}")["Body"]
            with body:
                data = body.read()
        if len(data) != length:
            raise OSError(f"{name} holds {len(data)} bytes, not {length}")
        return data

    def put(self, name: str, data: bytes | bytearray) -> str:
        """Store the object (the body is sent as it is, not copied); its ETag."""
        with s3_errors(name):
            result = self.client.put_object(Bucket=self.name, Key=name, Body=data)
        return str(result.get("ETag", "")).strip('"')

    def delete_objects(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = [{"Key": name} for name in names[start:start + 1000]]
            with s3_errors():
                self.client.delete_objects(Bucket=self.name,
                                           Delete={"Objects": batch, "Quiet": True})

    def abort_multipart(self, object_name: str, upload_id: str) -> None:
        """Drop an unfinished upload's parts; failures are logged (a bucket lifecycle
        rule for incomplete uploads is the backstop)."""
        try:
            with s3_errors(object_name):
                self.client.abort_multipart_upload(Bucket=self.name, Key=object_name,
                                                   UploadId=upload_id)
        except OSError:
            log.exception("could not abort multipart upload %s of %s", upload_id, object_name)
