"""Writing to S3: each upload streams into a multipart upload, so nothing is copied to local
disk, the object appears only when the upload is completed (commit), and an aborted
upload leaves nothing."""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..interface import Writer, new_key
from .bucket import MIB, PART_SIZE, Bucket, s3_errors

MAX_PARTS = 10_000


def part_size_for(max_bytes: int | None) -> int:
    """8 MiB parts, larger when the upload limit would need more than 10,000 of them."""
    if not max_bytes:
        return PART_SIZE
    return max(PART_SIZE, math.ceil(max_bytes / (MAX_PARTS - 1) / MIB) * MIB)


class S3Writer(Writer):
    """Each full part goes up on a helper thread while the next one fills, so receiving
    and sending overlap; memory holds at most two parts."""

    def __init__(self, bucket: Bucket, max_bytes: int | None) -> None:
        super().__init__(max_bytes)
        self._bucket = bucket
        self._key = new_key()
        self._object = bucket.object_name(self._key)
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
        client, bucket = self._bucket.client, self._bucket.name
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
            etag = self._bucket.client.upload_part(
                Bucket=self._bucket.name, Key=self._object, UploadId=self._upload_id,
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
        client, bucket = self._bucket.client, self._bucket.name
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
            self._bucket.abort_multipart(self._object, self._upload_id)
