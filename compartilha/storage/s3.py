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

import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

import boto3
from botocore.config import Config

from .interface import Storage
from .s3_resumable import ResumableUploads
from .s3_streams import PART_SIZE, S3Error, S3Reader, S3Writer, part_size_for, s3_errors

__all__ = ["PART_SIZE", "S3Error", "S3Storage", "part_size_for", "s3_errors"]
log = logging.getLogger(__name__)


_clients: dict[tuple[str | None, ...], Any] = {}
_clients_lock = threading.Lock()
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE")


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
                connect_timeout=5, read_timeout=60, max_pool_connections=32,
            )
            _clients[key] = boto3.session.Session().client("s3", endpoint_url=endpoint_url,
                                                           config=config)
        return _clients[key]


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

    def writer(self, max_bytes: int | None = None) -> S3Writer:
        return S3Writer(self, max_bytes)

    def open(self, key: str) -> BinaryIO:
        return S3Reader(self, key, self.size(key))  # type: ignore[return-value]

    def size(self, key: str) -> int:
        with s3_errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        return int(head["ContentLength"])

    def age(self, key: str) -> float:
        with s3_errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        return (datetime.now(UTC) - head["LastModified"]).total_seconds()

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
