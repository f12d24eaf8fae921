"""Sending a deterministic ZIP (`compartilha.zipstream`): Content-Length and a strong
ETag before the first byte, HEAD, conditional requests and single ranges, so a cut
download resumes (`curl -C -`, browsers' If-Range).

The bytes are read from storage as they are sent, a MiB at a time (local folder: reads of
the open file; S3: one ranged GET per member range): a WSGI server can hand only one file
to sendfile(2) (`wsgi.file_wrapper`), and the archive is many files and headers.
A member whose stored bytes no longer match its record raises in the middle of the body
(logged by zipstream): the server then drops the connection, and the client, counting
against Content-Length, sees a cut download it can retry, never a corrupt archive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import current_app, request
from werkzeug.datastructures import ETags
from werkzeug.wrappers import Response

from ..storage.interface import Storage
from ..zipstream import Archive
from .sending import content_disposition


class ArchiveBody:
    """The body of [start, end): counts the bytes handed to the server and, when the server
    closes it, calls `on_close(sent, reached_end)` once; `reached_end`: every byte of this
    body went out and it ended at the archive's last byte."""

    def __init__(self, chunks: Iterator[bytes], start: int, end: int, size: int,
                 on_close: Callable[[int, bool], None] | None) -> None:
        self._chunks = chunks
        self._end_is_last = end == size
        self._length = end - start
        self._on_close = on_close
        self.sent = 0
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            yield chunk
            self.sent += len(chunk)  # the server asks for the next only once this is written

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._chunks.close()  # type: ignore[attr-defined]
        finally:
            if self._on_close is not None:
                self._on_close(self.sent, self._end_is_last and self.sent == self._length)


def _matches(tags: ETags, etag: str) -> bool:
    return tags.star_tag or tags.contains(etag)  # strong comparison


def _range(archive: Archive) -> tuple[int, int] | None:
    """The one range to send, None for the whole archive (no Range, several ranges, or an
    If-Range that is not our ETag: the archive changed, so the client must start again)."""
    ranges = request.range
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1:
        return None
    if_range = request.headers.get("If-Range")
    # A date cannot match (no Last-Modified is given) and a weak tag never does (RFC 9110).
    if if_range is not None and (if_range.startswith("W/")
                                 or request.if_range.etag != archive.etag):
        return None
    return ranges.range_for_length(archive.size) or (-1, -1)


def send_archive(archive: Archive, storage: Storage, filename: str,
                 on_close: Callable[[int, bool], None] | None = None) -> Response:
    """The archive as an attachment named `filename`: 200, 206 for one satisfiable range,
    416 for an unsatisfiable one, 304 (If-None-Match), 412 (If-Match); HEAD answers the
    same headers without a body. `on_close(sent, reached_end)` is called exactly once, when
    the server closes the body, for a GET answered 200 or 206, and never otherwise (no
    body: HEAD, 304, 412, 416)."""
    response = current_app.response_class(mimetype="application/zip")
    headers = response.headers
    headers["Content-Disposition"] = content_disposition(filename)
    headers["Accept-Ranges"] = "bytes"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = "private, no-store"
    response.set_etag(archive.etag)
    if request.if_match and not _matches(request.if_match, archive.etag):
        response.status_code = 412
        return response
    if request.if_none_match and _matches(request.if_none_match, archive.etag):
        response.status_code = 304
        return response
    span = _range(archive)
    if span == (-1, -1):
        response.status_code = 416
        headers["Content-Range"] = f"bytes */{archive.size}"
        return response
    start, end = span or (0, archive.size)
    if span is not None:
        response.status_code = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{archive.size}"
    response.direct_passthrough = True
    if request.method == "GET":
        response.response = ArchiveBody(archive.chunks(storage, start, end), start, end,
                                        archive.size, on_close)
    headers["Content-Length"] = str(end - start)
    return response
