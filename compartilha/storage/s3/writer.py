"""Writing to S3: each upload streams into a multipart upload, so nothing is copied to local
disk, the object appears only when the upload is completed (commit), and an aborted
upload leaves nothing."""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from ..interface import Writer, new_key
from .bucket import MIB, PART_SIZE, Bucket, s3_errors

MAX_PARTS = 10_000
UPLOAD_CONCURRENCY = 4  # parts in flight per upload (S3_UPLOAD_CONCURRENCY), see bench/README.md


def part_size_for(max_bytes: int | None) -> int:
    """8 MiB parts, larger when the upload limit would need more than 10,000 of them."""
    if not max_bytes:
        return PART_SIZE
    return max(PART_SIZE, math.ceil(max_bytes / (MAX_PARTS - 1) / MIB) * MIB)


class S3Writer(Writer):
    """Full parts go up on helper threads while the next ones fill: up to `concurrency`
    parts in flight, each from its own part-sized buffer. Buffers are reused, and there
    are never more than `concurrency` of them: when all are taken, writing waits for the
    oldest part to be sent. The first failed part aborts the whole upload."""

    def __init__(self, bucket: Bucket, max_bytes: int | None,
                 concurrency: int = UPLOAD_CONCURRENCY) -> None:
        super().__init__(max_bytes)
        self._bucket = bucket
        self._key = new_key()
        self._object = bucket.object_name(self._key)
        self._part_size = part_size_for(max_bytes)
        self._concurrency = max(1, concurrency)
        self._buffers = 0  # part buffers allocated so far (<= concurrency)
        self._free: list[bytearray] = []
        self._buffer: bytearray | None = None  # the part filling, `_filled` bytes of it
        self._filled = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._next_part = 1
        self._sender: ThreadPoolExecutor | None = None
        self._in_flight: deque[tuple[Future[dict[str, Any]], bytearray]] = deque()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._buffer is None:
                self._buffer, self._filled = self._take_buffer(), 0
            room = self._part_size - self._filled
            piece = view[:room]
            self._buffer[self._filled:self._filled + len(piece)] = piece
            self._filled += len(piece)
            view = view[len(piece):]
            if self._filled == self._part_size:
                self._send_part()

    def _take_buffer(self) -> bytearray:
        """A free part buffer: a new one while fewer than `concurrency` exist, else the
        buffer of the oldest part in flight once it is sent."""
        self._collect(block=False)
        if not self._free and self._buffers < self._concurrency:
            self._buffers += 1
            return bytearray(self._part_size)
        while not self._free:
            self._collect(block=True)
        return self._free.pop()

    def _collect(self, block: bool) -> None:
        """Move sent parts' buffers to the free list; a failed part raises its OSError.
        Blocking waits until at least one part in flight is done."""
        if block and self._in_flight:
            wait([future for future, _ in self._in_flight], return_when=FIRST_COMPLETED)
        still: deque[tuple[Future[dict[str, Any]], bytearray]] = deque()
        for future, buffer in self._in_flight:
            if future.done():
                self._parts.append(future.result())
                self._free.append(buffer)
            else:
                still.append((future, buffer))
        self._in_flight = still

    def _send_part(self) -> None:
        if self._upload_id is None:
            with s3_errors(self._key):
                self._upload_id = self._bucket.client.create_multipart_upload(
                    Bucket=self._bucket.name, Key=self._object)["UploadId"]
            self._sender = ThreadPoolExecutor(self._concurrency, thread_name_prefix="s3-part")
        assert self._buffer is not None and self._sender is not None  # noqa: S101
        buffer, size = self._buffer, self._filled
        self._buffer, self._filled = None, 0
        number, self._next_part = self._next_part, self._next_part + 1
        future = self._sender.submit(self._upload_part, number, buffer, size)
        self._in_flight.append((future, buffer))

    def _upload_part(self, number: int, buffer: bytearray, size: int) -> dict[str, Any]:
        # A full buffer goes as it is (no copy); only the last, short part is sliced.
        body = buffer if size == len(buffer) else memoryview(buffer)[:size].tobytes()
        with s3_errors(self._key):
            etag = self._bucket.client.upload_part(
                Bucket=self._bucket.name, Key=self._object, UploadId=self._upload_id,
                PartNumber=number, Body=body)["ETag"]
        return {"PartNumber": number, "ETag": etag}

    def _stop_sender(self) -> None:
        if self._sender is not None:
            self._sender.shutdown(wait=True, cancel_futures=True)
            self._sender = None

    def _commit(self) -> str:
        client, bucket = self._bucket.client, self._bucket.name
        if self._upload_id is None:
            # Smaller than one part: a single PUT, atomic like a completed upload.
            body = memoryview(self._buffer or b"")[:self._filled].tobytes()
            with s3_errors(self._key):
                client.put_object(Bucket=bucket, Key=self._object, Body=body)
        else:
            if self._filled:
                self._send_part()
            while self._in_flight:
                self._collect(block=True)
            self._stop_sender()
            parts = sorted(self._parts, key=lambda part: part["PartNumber"])
            with s3_errors(self._key):
                client.complete_multipart_upload(
                    Bucket=bucket, Key=self._object, UploadId=self._upload_id,
                    MultipartUpload={"Parts": parts})
        self._release()
        return self._key

    def _release(self) -> None:
        self._buffer, self._free, self._in_flight = None, [], deque()

    def _abort(self) -> None:
        # Parts not started are cancelled; parts being sent are waited for, since a part
        # that lands after the abort would leave bytes behind.
        self._stop_sender()
        self._release()
        if self._upload_id is not None:
            self._bucket.abort_multipart(self._object, self._upload_id)
