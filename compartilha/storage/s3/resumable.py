"""Resumable (tus) uploads on S3, for S3Storage.

tus PATCHes can be any size, but an S3 multipart part must be at least 5 MiB (but the
last), and the bytes of an unfinished multipart upload cannot be read back or cut short,
which `append` needs after an unacknowledged attempt. So an unfinished upload lives as
ordinary objects under `<prefix>/.tus/<handle>/`:

    c000000, c000001, …   full 8 MiB chunks; chunk i holds bytes [i·8 MiB, (i+1)·8 MiB)
    t<start>              the tail: fewer than 8 MiB bytes from `start` on
    p<n>.<etag>.<etag>    mark: chunk n-1 (that ETag) was copied as part n (that ETag)

Each append reads the tail (at most 8 MiB) into memory, adds the new bytes, and PUTs full
chunks as they fill, up to S3_UPLOAD_CONCURRENCY at once from reused buffers, then the new
tail once every chunk is stored; every PUT is durable when it returns. The state is
derived from a listing, so any server process can continue any upload: chunks count only
while contiguous from c000000, the tail only when it starts where they end; anything else
is left over from an interrupted append and is deleted.

The final object is a multipart upload on its key (derived from the handle,
`upload_key`), opened by the first chunk: each stored chunk is copied into it at once
(UploadPartCopy, server-side, while the next bytes arrive) and a mark records the copy.
A copy is only an optimisation: `finish_upload` keeps a part only when a mark names both
the chunk's current ETag and the part's (so a chunk rewritten after a cut-back, or a part
lost to fsck, is copied again), copies the rest and the tail, completes the upload and
removes the pieces. A finish repeated after a crash is recognised by the published key,
and `abort_upload` also aborts the final object's multipart upload.

Why chunks at all, rather than sending parts straight into the final upload (which would
spare the copies): the bytes of an unfinished multipart upload cannot be read, and
`read_upload` must give them back to a process that did not receive them (to rebuild the
sha256 when a PATCH lands on another worker).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..interface import HANDLE_RE, new_handle, upload_key
from .bucket import PART_SIZE, Bucket, s3_errors

log = logging.getLogger(__name__)
PIECE_RE = re.compile(r"(c|t)(\d+)")
# p<part number>.<ETag of the chunk copied>.<ETag the part got>: an early copy that worked
MARK_RE = re.compile(r"p(\d+)\.([0-9a-f]+)\.([0-9a-f-]+)")
COPY_THREADS = 8


class ChunkSender:
    """Cuts appended bytes into 8 MiB chunks and PUTs up to `concurrency` of them at once,
    each from its own buffer; buffers are reused and never more than `concurrency`
    (writing waits for the oldest PUT). `finish` waits for every PUT and returns the
    bytes left over (the new tail); the first failure is raised."""

    def __init__(self, bucket: Bucket, concurrency: int, start: bytes | bytearray,
                 then: Callable[[str, int, str], None] | None = None) -> None:
        self.bucket, self.concurrency, self.then = bucket, concurrency, then
        self.pool: ThreadPoolExecutor | None = None
        self.copier: ThreadPoolExecutor | None = None
        self.buffers = 0
        self.free: list[bytearray] = []
        self.in_flight: deque[tuple[Future[None], bytearray]] = deque()
        self.current = self._buffer()
        self.current[:len(start)] = start
        self.filled = len(start)

    def _buffer(self) -> bytearray:
        if self.free:
            return self.free.pop()
        if self.buffers < self.concurrency:
            self.buffers += 1
            return bytearray(PART_SIZE)
        future, buffer = self.in_flight.popleft()
        future.result()
        return buffer

    def add(self, data: bytes | memoryview) -> Iterator[bytearray]:
        """Take `data`; yields each chunk it fills, for `send`."""
        view = memoryview(data)
        while view:
            piece = view[:PART_SIZE - self.filled]
            self.current[self.filled:self.filled + len(piece)] = piece
            self.filled += len(piece)
            view = view[len(piece):]
            if self.filled == PART_SIZE:
                full = self.current
                yield full
                self.current, self.filled = self._buffer(), 0

    def send(self, name: str, full: bytearray, number: int) -> None:
        while self.in_flight and self.in_flight[0][0].done():
            future, buffer = self.in_flight.popleft()
            future.result()
            self.free.append(buffer)
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="s3-chunk")
            if self.then is not None:
                self.copier = ThreadPoolExecutor(self.concurrency, thread_name_prefix="s3-copy")
        self.in_flight.append((self.pool.submit(self._store, name, full, number), full))

    def _store(self, name: str, full: bytearray, number: int) -> None:
        etag = self.bucket.put(name, full)
        if self.copier is not None and self.then is not None:
            self.copier.submit(self.then, name, number, etag)

    def finish(self) -> bytes:
        """Wait for every PUT (and the copies they started); the bytes left over."""
        try:
            while self.in_flight:
                self.in_flight.popleft()[0].result()
        finally:
            self.cancel(copies_too=False)
        return memoryview(self.current)[:self.filled].tobytes()

    def cancel(self, copies_too: bool = True) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.copier is not None:  # after the PUTs: they may still queue copies
            self.copier.shutdown(wait=True, cancel_futures=copies_too)
            self.copier = None


@dataclass
class Pieces:
    chunks: int = 0  # contiguous full chunks from c000000
    etags: dict[int, str] = field(default_factory=dict)  # of each chunk object
    copied: set[tuple[int, str, str]] = field(default_factory=set)  # marks, as in MARK_RE
    marks: list[str] = field(default_factory=list)  # their object names
    tail: str | None = None  # object name of the valid tail
    tail_size: int = 0
    stale: list[str] = field(default_factory=list)
    found: bool = False

    @property
    def size(self) -> int:
        return self.chunks * PART_SIZE + self.tail_size


class ResumableUploads:
    """The unfinished uploads of one bucket, as pieces under `<prefix>/.tus/`."""

    def __init__(self, bucket: Bucket, concurrency: int = 4) -> None:
        self.bucket = bucket
        self.concurrency = max(1, concurrency)

    def _piece(self, handle: str, name: str = "") -> str:
        if not HANDLE_RE.fullmatch(handle):
            raise ValueError(f"invalid upload handle: {handle!r}")
        base = self.bucket.object_name(f".tus/{handle}")
        return f"{base}/{name}" if name else f"{base}/"


    def _scan(self, handle: str) -> Pieces:
        base = self._piece(handle)
        chunks: dict[int, str] = {}
        tails: dict[int, tuple[str, int]] = {}
        pieces = Pieces()
        with s3_errors(handle):
            for page in self.bucket.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket.name, Prefix=base):
                for item in page.get("Contents", []):
                    pieces.found = True
                    match = PIECE_RE.fullmatch(item["Key"][len(base):])
                    mark = MARK_RE.fullmatch(item["Key"][len(base):])
                    if mark is not None:
                        pieces.copied.add((int(mark[1]), mark[2], mark[3]))
                        pieces.marks.append(item["Key"])
                    elif match is None:
                        pieces.stale.append(item["Key"])
                    elif match[1] == "c" and item["Size"] == PART_SIZE:
                        chunks[int(match[2])] = item["Key"]
                        pieces.etags[int(match[2])] = item.get("ETag", "").strip('"')
                    elif match[1] == "t":
                        tails[int(match[2])] = (item["Key"], item["Size"])
                    else:
                        pieces.stale.append(item["Key"])
        while pieces.chunks in chunks:
            pieces.chunks += 1
        start = pieces.chunks * PART_SIZE
        if start in tails and tails[start][1] < PART_SIZE:
            pieces.tail, pieces.tail_size = tails.pop(start)
        pieces.stale += [name for i, name in chunks.items() if i >= pieces.chunks]
        pieces.stale += [name for name, _ in tails.values()]
        return pieces

    def start(self, handle: str | None = None) -> str:
        handle = handle or new_handle()
        self.bucket.put(self._piece(handle, "t0"), b"")  # an empty tail: the upload exists
        return handle

    def append(self, handle: str, offset: int, chunks: Iterable[bytes | memoryview]) -> int:
        pieces = self._scan(handle)
        if not pieces.found:
            raise FileNotFoundError(f"no unfinished upload {handle}")
        if offset > pieces.size:
            if self.bucket.exists(upload_key(handle)):  # pieces a crashed finish left behind
                raise FileNotFoundError(f"upload {handle} was published")
            raise OSError(f"unfinished upload {handle} holds {pieces.size} bytes, not {offset}")
        index = offset // PART_SIZE
        tail = self._piece(handle, f"t{index * PART_SIZE}")
        if index < pieces.chunks:
            # Cut back into a chunk (an earlier attempt was never acknowledged): its head
            # becomes the tail, written before anything goes so acknowledged bytes never do.
            head = self.bucket.get(self._piece(handle, f"c{index:06d}"), offset % PART_SIZE)
            buffer = bytearray(head)
            self.bucket.put(tail, buffer)
            doomed = [pieces.tail] if pieces.tail else []
            # Highest first: an interruption leaves a shorter upload, still contiguous.
            doomed += [self._piece(handle, f"c{i:06d}")
                       for i in range(pieces.chunks - 1, index - 1, -1)]
        else:
            start = self.bucket.get(pieces.tail, offset % PART_SIZE) if pieces.tail else b""
            buffer = bytearray(start)
            doomed = []
        self.bucket.delete_objects(pieces.stale + doomed)
        written = 0
        sender = ChunkSender(self.bucket, self.concurrency, buffer,
                             then=self._early_copy(handle))
        try:
            for data in chunks:
                written += len(data)
                for full in sender.add(data):
                    sender.send(self._piece(handle, f"c{index:06d}"), full, index + 1)
                    index += 1
            tail_bytes = sender.finish()  # every chunk is stored: the tail can go
        except BaseException:
            sender.cancel()
            raise
        new_tail = self._piece(handle, f"t{index * PART_SIZE}")
        self.bucket.put(new_tail, tail_bytes)
        if new_tail != tail:
            self.bucket.delete_objects([tail])  # now inside a chunk
        return written

    def read(self, handle: str, length: int) -> Iterator[bytes]:
        pieces = self._scan(handle)
        if pieces.size < length:
            raise OSError(f"unfinished upload {handle} is shorter than {length} bytes")
        names = [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        names += [pieces.tail] if pieces.tail else []
        for name in names:
            if length <= 0:
                return
            data = self.bucket.get(name, min(length, PART_SIZE))
            length -= len(data)
            yield data

    def _final_upload(self, final: str) -> str | None:
        """The newest multipart upload open on the final object, if any."""
        with s3_errors(final):
            listing = self.bucket.client.list_multipart_uploads(Bucket=self.bucket.name,
                                                                Prefix=final)
        uploads = [u for u in listing.get("Uploads", []) if u["Key"] == final]
        return max(uploads, key=lambda u: u["Initiated"])["UploadId"] if uploads else None

    def _early_copy(self, handle: str) -> Callable[[str, int, str], None]:
        """What runs after each chunk is stored: copy it into the final object's multipart
        upload right away (server-side, while the next bytes arrive), so `finish` has
        little left to copy. Each copy that worked leaves a mark naming the chunk's ETag and
        the part's; `finish` keeps a part only when a mark matches both (the chunk was not
        rewritten since, nor the part), and copies again whatever does not. Best effort:
        a failed copy is only logged."""
        final = self.bucket.object_name(upload_key(handle))
        upload_id: list[str] = []
        lock = threading.Lock()

        def copy(source: str, number: int, etag: str) -> None:
            try:
                with lock:
                    if not upload_id:
                        upload_id.append(self._final_upload(final) or self._create(final))
                part = self._copy_part(final, upload_id[0], number, source)["ETag"].strip('"')
                self.bucket.put(self._piece(handle, f"p{number}.{etag}.{part}"), b"")
            except OSError:
                log.warning("early copy of %s failed; finish will copy it", source,
                            exc_info=True)

        return copy

    def _create(self, final: str) -> str:
        with s3_errors(final):
            return str(self.bucket.client.create_multipart_upload(
                Bucket=self.bucket.name, Key=final)["UploadId"])

    def _copy_part(self, final: str, upload_id: str, number: int,
                   source: str) -> dict[str, Any]:
        with s3_errors(source):
            result = self.bucket.client.upload_part_copy(
                Bucket=self.bucket.name, Key=final, UploadId=upload_id, PartNumber=number,
                CopySource={"Bucket": self.bucket.name, "Key": source})
        return {"PartNumber": number, "ETag": result["CopyPartResult"]["ETag"]}

    def finish(self, handle: str) -> str:
        key = upload_key(handle)
        final = self.bucket.object_name(key)
        pieces = self._scan(handle)
        if not pieces.found:
            if self.bucket.exists(key):  # finished before: idempotent
                return key
            raise FileNotFoundError(f"no unfinished upload {handle}")
        sources = [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        if pieces.tail and (pieces.tail_size or not sources):
            sources.append(pieces.tail)
        upload_id = self._final_upload(final)
        if len(sources) > 1:
            self._assemble(final, sources, pieces, upload_id)
        else:
            if sources:
                with s3_errors(key):
                    self.bucket.client.copy_object(
                        Bucket=self.bucket.name, Key=final,
                        CopySource={"Bucket": self.bucket.name, "Key": sources[0]})
            else:
                self.bucket.put(final, b"")
        self._abort_final_uploads(final)  # any other one is an orphan now
        self.bucket.delete_objects(pieces.stale + pieces.marks + sources
                                   + ([pieces.tail] if pieces.tail else []))
        return key

    def _assemble(self, final: str, sources: list[str], pieces: Pieces,
                  upload_id: str | None) -> None:
        """Complete the final object from one part per source: a part copied early is kept
        when a mark names its chunk's current ETag and its own, the others are copied now
        (S3 servers differ in the ETag a copied part gets, so the two are not compared)."""
        done: dict[int, str] = {}
        if upload_id is None:
            upload_id = self._create(final)
        else:
            with s3_errors(final):
                for page in self.bucket.client.get_paginator("list_parts").paginate(
                        Bucket=self.bucket.name, Key=final, UploadId=upload_id):
                    for part in page.get("Parts", []):
                        done[part["PartNumber"]] = part["ETag"].strip('"')

        def one(number_source: tuple[int, str]) -> dict[str, Any]:
            number, source = number_source
            etag, part = pieces.etags.get(number - 1), done.get(number)
            if number <= pieces.chunks and (number, etag, part) in pieces.copied:
                return {"PartNumber": number, "ETag": f'"{part}"'}
            return self._copy_part(final, upload_id, number, source)

        try:
            with ThreadPoolExecutor(COPY_THREADS) as pool:
                parts = list(pool.map(one, enumerate(sources, start=1)))
            with s3_errors(final):
                self.bucket.client.complete_multipart_upload(
                    Bucket=self.bucket.name, Key=final, UploadId=upload_id,
                    MultipartUpload={"Parts": parts})
        except BaseException:
            self.bucket.abort_multipart(final, upload_id)
            raise

    def abort(self, handle: str) -> None:
        """Drop the pieces, and any multipart upload a crashed finish left behind."""
        pieces = self._scan(handle)
        names = pieces.stale + pieces.marks
        names += [self._piece(handle, f"c{i:06d}") for i in range(pieces.chunks)]
        self.bucket.delete_objects(names + ([pieces.tail] if pieces.tail else []))
        self._abort_final_uploads(self.bucket.object_name(upload_key(handle)))

    def _abort_final_uploads(self, final: str) -> None:
        with s3_errors(final):
            listing = self.bucket.client.list_multipart_uploads(Bucket=self.bucket.name,
                                                                Prefix=final)
        for upload in listing.get("Uploads", []):
            if upload["Key"] == final:
                self.bucket.abort_multipart(final, upload["UploadId"])

    def unfinished(self) -> Iterator[tuple[str, float]]:
        base = self.bucket.object_name(".tus") + "/"
        newest: dict[str, datetime] = {}
        with s3_errors():
            for page in self.bucket.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket.name, Prefix=base):
                for item in page.get("Contents", []):
                    handle = item["Key"][len(base):].split("/")[0]
                    newest[handle] = max(item["LastModified"],
                                         newest.get(handle, item["LastModified"]))
        now = datetime.now(UTC)
        for handle, when in newest.items():
            yield handle, (now - when).total_seconds()
