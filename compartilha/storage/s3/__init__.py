"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, SeaweedFS, Garage) through boto3.

S3Storage is composed of one `Bucket` (client, object names, errors) used by its parts:
the writer (a multipart upload per file), the reader (ranged GETs) and the resumable
uploads (pieces under `.tus/`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from ..interface import HANDLE_RE, Storage, upload_key
from .bucket import PART_SIZE, Bucket, S3Error, s3_errors
from .reader import S3Reader, read_range
from .resumable import ResumableUploads
from .writer import UPLOAD_CONCURRENCY, S3Writer, part_size_for

__all__ = ["PART_SIZE", "S3Error", "S3Storage", "part_size_for", "s3_errors"]
UNFINISHED = ".tus/"  # where ResumableUploads keeps its pieces, under the prefix


class S3Storage(Storage):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 upload_concurrency: int = UPLOAD_CONCURRENCY) -> None:
        self.bucket = Bucket(bucket, prefix, endpoint_url)
        self.upload_concurrency = max(1, upload_concurrency)
        self.resumable = ResumableUploads(self.bucket, self.upload_concurrency)

    def writer(self, max_bytes: int | None = None) -> S3Writer:
        return S3Writer(self.bucket, max_bytes, self.upload_concurrency)

    def open(self, key: str) -> BinaryIO:
        return S3Reader(self.bucket, key, self.size(key))  # type: ignore[return-value]

    def read_range(self, key: str, start: int, end: int,
                   expect_size: int | None = None) -> Iterator[bytes]:
        return read_range(self.bucket, key, start, end, expect_size)

    def size(self, key: str) -> int:
        return int(self.bucket.head(key)["ContentLength"])

    def age(self, key: str) -> float:
        return (datetime.now(UTC) - self.bucket.head(key)["LastModified"]).total_seconds()

    def exists(self, key: str) -> bool:
        return self.bucket.exists(key)

    def delete(self, key: str) -> None:
        with s3_errors(key):  # S3 answers 204 for a missing key too
            self.bucket.client.delete_object(Bucket=self.bucket.name,
                                             Key=self.bucket.object_name(key))

    def keys(self) -> Iterator[str]:
        start = self.bucket.root
        for item in self.bucket.listing(start):
            key = item["Key"][len(start):]
            if not key.startswith(UNFINISHED):
                yield key

    def stale_partials(self, older_than_seconds: float) -> list[str]:
        """Multipart uploads no part of which arrived for that long (a crashed writer or
        tus finish), named `<key> <upload id>`."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        start, client = self.bucket.root, self.bucket.client
        stale = []
        with s3_errors():
            for page in client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket.name, Prefix=start):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] >= cutoff or self._recent_part(upload, cutoff) \
                            or self._unfinished_tus(upload["Key"][len(start):]):
                        continue
                    stale.append(f"{upload['Key'][len(start):]} {upload['UploadId']}")
        return sorted(stale)

    def _unfinished_tus(self, key: str) -> bool:
        """Whether the multipart upload on `key` is the final object of a tus upload still
        going (its chunks are copied in as they arrive): the upload's expiry owns it."""
        handle = key.rpartition("/")[2]
        if not HANDLE_RE.fullmatch(handle) or key != upload_key(handle):
            return False
        with s3_errors(key):
            listing = self.bucket.client.list_objects_v2(
                Bucket=self.bucket.name, MaxKeys=1,
                Prefix=self.bucket.object_name(f"{UNFINISHED}{handle}") + "/")
        return bool(listing.get("Contents"))

    def _recent_part(self, upload: dict[str, Any], cutoff: datetime) -> bool:
        pages = self.bucket.client.get_paginator("list_parts").paginate(
            Bucket=self.bucket.name, Key=upload["Key"], UploadId=upload["UploadId"])
        return any(part["LastModified"] >= cutoff
                   for page in pages for part in page.get("Parts", []))

    def remove_partial(self, name: str) -> None:
        key, _, upload_id = name.partition(" ")
        if not upload_id:
            raise ValueError(f"not a partial upload: {name!r}")
        self.bucket.abort_multipart(self.bucket.object_name(key), upload_id)

    def start_upload(self, handle: str | None = None) -> str:
        return self.resumable.start(handle)

    def append(self, handle: str, offset: int, chunks: Iterable[bytes | memoryview]) -> int:
        return self.resumable.append(handle, offset, chunks)

    def read_upload(self, handle: str, length: int) -> Iterator[bytes]:
        return self.resumable.read(handle, length)

    def finish_upload(self, handle: str) -> str:
        return self.resumable.finish(handle)

    def abort_upload(self, handle: str) -> None:
        self.resumable.abort(handle)

    def unfinished_uploads(self) -> Iterator[tuple[str, float]]:
        return self.resumable.unfinished()

    def presigned_url(self, key: str, *, disposition: str, content_type: str,
                      expires: int = 300) -> str | None:
        """A short-lived GET URL answering with these Content-Disposition and Content-Type."""
        with s3_errors(key):
            return self.bucket.client.generate_presigned_url(
                "get_object", ExpiresIn=expires, Params={
                    "Bucket": self.bucket.name, "Key": self.bucket.object_name(key),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                })

    def local_path(self, key: str) -> Path | None:
        return None  # the bytes are in a bucket, not in a folder nginx could send from
