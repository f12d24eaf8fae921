"""Resumable (tus) uploads on S3, for S3Storage.

tus PATCHes can be any size, but an S3 multipart part must be at least 5 MiB (but the
last), and the bytes of an unfinished multipart upload cannot be read back or cut short,
which `append` needs after an unacknowledged attempt. So an unfinished upload lives as
ordinary objects under `<prefix>/.tus/<handle>/`:

    c000000, c000001, …   full 8 MiB chunks; chunk i holds bytes [i·8 MiB, (i+1)·8 MiB)
    t<start>              the tail: fewer than 8 MiB bytes from `start` on

Each append reads the tail (at most 8 MiB) into memory, adds the new bytes, writes every
full chunk as it fills and the new tail last; every PUT is durable when it returns. The
state is derived from a listing, so any server process can continue any upload: chunks
count only while contiguous from c000000, the tail only when it starts where they end;
anything else is left over from an interrupted append and is deleted. `finish_upload`
assembles the final object server-side (UploadPartCopy of each chunk, no bytes through
the app) and removes the pieces; its key is derived from the handle (`upload_key`), so
a finish repeated after a crash is recognised, and `abort_upload` also finds and aborts a
multipart upload left by a finish that crashed midway.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .interface import HANDLE_RE, new_handle, upload_key

CHUNK = 8 * 1024 * 1024  # every part but the last must be >= 5 MiB
PIECE_RE = re.compile(r"(c|t)(\d+)")
COPY_THREADS = 4


@dataclass
class Pieces:
    chunks: int = 0  # contiguous full chunks from c000000
    tail: str | None = None  # object name of the valid tail
    tail_size: int = 0
    stale: list[str] = field(default_factory=list)
    found: bool = False

    @property
    def size(self) -> int:
        return self.chunks * CHUNK + self.tail_size


class ResumableUploads:
    """Mixed into S3Storage, which supplies the client, the bucket, error translation
    (`_errors`, botocore errors to OSError), object names, `exists` and `abort_multipart`."""

    client: Any
    bucket: str
    _errors: Callable[..., AbstractContextManager[None]]

    def object_name(self, key: str) -> str:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def abort_multipart(self, object_name: str, upload_id: str) -> None:
        raise NotImplementedError

    def _piece(self, handle: str, name: str = "") -> str:
        if not HANDLE_RE.fullmatch(handle):
            raise ValueError(f"invalid upload handle: {handle!r}")
        base = self.object_name(f".tus/{handle}")
        return f"{base}/{name}" if name else f"{base}/"


    def _scan(self, handle: str) -> Pieces:
        base = self._piece(handle)
        chunks: dict[int, str] = {}
        tails: dict[int, tuple[str, int]] = {}
        pieces = Pieces()
        with self._errors(handle):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", []):
                    pieces.found = True
                    match = PIECE_RE.fullmatch(item["Key"][len(base):])
                    if match is None:
                        pieces.stale.append(item["Key"])
                    elif match[1] == "c" and item["Size"] == CHUNK:
                        chunks[int(match[2])] = item["Key"]
                    elif match[1] == "t":
                        tails[int(match[2])] = (item["Key"], item["Size"])
                    else:
                        pieces.stale.append(item["Key"])
        while pieces.chunks in chunks:
            pieces.chunks += 1
        start = pieces.chunks * CHUNK
        if start in tails and tails[start][1] < CHUNK:
            pieces.tail, pieces.tail_size = tails.pop(start)
        pieces.stale += [name for i, name in chunks.items() if i >= pieces.chunks]
        pieces.stale += [name for name, _ in tails.values()]
        return pieces

    def _get(self, name: str, length: int) -> bytes:
        if length <= 0:
            return b""
        with self._errors(name):
            body = self.client.get_object(Bucket=self.bucket, Key=name,
                                          Range=f"bytes=0-{length - 1}")["Body"]
            with body:
                data = body.read()
        if len(data) != length:
            raise OSError(f"{name} holds {len(data)} bytes, not {length}")
        return data

    def _put(self, name: str, data: bytes | bytearray) -> None:
        with self._errors(name):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data))

    def _delete_objects(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = [{"Key": name} for name in names[start:start + 1000]]
            with self._errors():
                self.client.delete_objects(Bucket=self.bucket,
                                           Delete={"Objects": batch, "Quiet": True})

    def start_upload(self, handle: str | None = None) -> str:
        handle = handle or new_handle()
        self._put(self._piece(handle, "t0"), b"")  # an empty tail marks the upload as existing
        return handle

    def append(self, handle: str, offset: int, chunks: Iterable[bytes | memoryview]) -> int:
        pieces = self._scan(handle)
        if not pieces.found:
            raise FileNotFoundError(f"no unfinished upload {handle}")
        if offset > pieces.size:
            if self.exists(upload_key(handle)):  # pieces a crashed finish left behind
                raise FileNotFoundError(f"upload {handle} was published")
            raise OSError(f"unfinished upload {handle} holds {pieces.size} bytes, not {offset}")
        index = offset // CHUNK
        tail = self._piece(handle, f"t{index * CHUNK}")
        if index < pieces.chunks:
            # Cut back into a chunk (an earlier attempt was never acknowledged): its head
            # becomes the tail, written before anything goes so acknowledged bytes never do.
            buffer = bytearray(self._get(self._piece(handle, f"c{index:06d}"), offset % CHUNK))
            self._put(tail, buffer)
            doomed = [pieces.tail] if pieces.tail else []
            # Highest first: an interruption leaves a shorter upload, still contiguous.
            doomed += [self._piece(handle, f"c{i:06d}")
                       for i in range(pieces.chunks - 1, index - 1, -1)]
        else:
            buffer = bytearray(self._get(pieces.tail, offset % CHUNK) if pieces.tail else b"")
            doomed = []
        self._delete_objects(pieces.stale + doomed)
        written = 0
        for data in chunks:
            buffer += data
            written += len(data)
            while len(buffer) >= CHUNK:
                self._put(self._piece(handle, f"c{index:06d}"), buffer[:CHUNK])
                del buffer[:CHUNK]
                index += 1
        new_tail = self._piece(handle, f"t{index * CHUNK}")
        self._put(new_tail, buffer)
        if new_tail != tail:
            self._delete_objects([tail])  # now inside a chunk
        return written

    def read_upload(self, handle: str, length: int) -> Iterator[bytes]:
        pieces = self._scan(handle)
        if pieces.size < length:
            raise OSError(f"unfinished upload {handle} is shorter than {length} bytes")
        names = [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        names += [pieces.tail] if pieces.tail else []
        for name in names:
            if length <= 0:
                return
            data = self._get(name, min(length, CHUNK))
            length -= len(data)
            yield data

    def finish_upload(self, handle: str) -> str:
        key = upload_key(handle)
        final = self.object_name(key)
        pieces = self._scan(handle)
        if not pieces.found:
            if self.exists(key):  # finished before: idempotent
                return key
            raise FileNotFoundError(f"no unfinished upload {handle}")
        sources = [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        if pieces.tail and (pieces.tail_size or not sources):
            sources.append(pieces.tail)
        if len(sources) == 1:
            with self._errors(key):
                self.client.copy_object(Bucket=self.bucket, Key=final,
                                        CopySource={"Bucket": self.bucket, "Key": sources[0]})
        elif sources:
            self._assemble(final, sources)
        else:
            self._put(final, b"")
        self._delete_objects(pieces.stale + sources + ([pieces.tail] if pieces.tail else []))
        return key

    def _assemble(self, final: str, sources: list[str]) -> None:
        with self._errors(final):
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket,
                                                            Key=final)["UploadId"]

        def copy(number_source: tuple[int, str]) -> dict[str, Any]:
            number, source = number_source
            with self._errors(source):
                result = self.client.upload_part_copy(
                    Bucket=self.bucket, Key=final, UploadId=upload_id, PartNumber=number,
                    CopySource={"Bucket": self.bucket, "Key": source})
            return {"PartNumber": number, "ETag": result["CopyPartResult"]["ETag"]}

        try:
            with ThreadPoolExecutor(COPY_THREADS) as pool:
                parts = list(pool.map(copy, enumerate(sources, start=1)))
            with self._errors(final):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=final, UploadId=upload_id,
                    MultipartUpload={"Parts": parts})
        except BaseException:
            self.abort_multipart(final, upload_id)
            raise

    def abort_upload(self, handle: str) -> None:
        """Drop the pieces, and any multipart upload a crashed finish left behind."""
        pieces = self._scan(handle)
        names = pieces.stale + [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        self._delete_objects(names + ([pieces.tail] if pieces.tail else []))
        final = self.object_name(upload_key(handle))
        with self._errors(final):
            listing = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=final)
        for upload in listing.get("Uploads", []):
            if upload["Key"] == final:
                self.abort_multipart(final, upload["UploadId"])

    def unfinished_uploads(self) -> Iterator[tuple[str, float]]:
        base = self.object_name(".tus") + "/"
        newest: dict[str, datetime] = {}
        with self._errors():
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=base):
                for item in page.get("Contents", []):
                    handle = item["Key"][len(base):].split("/")[0]
                    newest[handle] = max(item["LastModified"],
                                         newest.get(handle, item["LastModified"]))
        now = datetime.now(UTC)
        for handle, when in newest.items():
            yield handle, (now - when).total_seconds()
