"""Serving stored bytes: attachments with Range, ETag and zero-copy where possible;
share downloads counted when their last byte is sent; sandboxed previews."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import cast
from urllib.parse import quote

from flask import current_app, redirect, request
from werkzeug.wrappers import Response
from werkzeug.wsgi import FileWrapper, wrap_file

from ..errors import NoPreview
from ..models import Access, File, Share, User
from ..services import counting, files
from ..storage import get_storage

log = logging.getLogger(__name__)
CHUNK = 256 * 1024
PRESIGNED_SECONDS = 300
# Types a browser renders without running script; everything else downloads.
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
               "application/pdf", "text/plain", "audio/", "video/")
PREVIEW_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
               "style-src 'unsafe-inline'; object-src 'self'")


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name in filename*."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    ascii_name = ascii_name.strip() or "download"
    if ascii_name == name:
        return f'{disposition}; filename="{ascii_name}"'
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_file_record(record: File, *, ranges: bool = True, inline: bool = False,
                     mimetype: str | None = None) -> Response:
    """Stream the file's bytes; gunicorn turns the file wrapper into sendfile()."""
    handle = files.open_bytes(record)
    # The server's own wrapper (gunicorn's, for sendfile) cannot seek: a Range would be read
    # from the first byte and discarded up to its start, and on S3 every byte read is fetched.
    body = FileWrapper(handle, CHUNK) if ranges and request.range else \
        wrap_file(request.environ, handle, CHUNK)
    response = current_app.response_class(
        body, direct_passthrough=True,
        mimetype=mimetype or record.type,
    )
    response.content_length = record.size
    response.headers["Content-Disposition"] = content_disposition(
        record.name, "inline" if inline else "attachment")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(record.sha256)
    response.last_modified = record.created_at
    environ = request.environ
    if request.range is not None and len(request.range.ranges) > 1:
        # Several ranges at once: the whole file (RFC 9110 lets a server ignore Range),
        # not werkzeug's 416; nobody resumes a download that way.
        environ = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
    try:
        return response.make_conditional(environ, accept_ranges=ranges,
                                         complete_length=record.size)
    except BaseException:
        response.close()  # a 416 discards this response: do not leak the open file
        raise


def presigned_redirect(record: File) -> Response | None:
    """With S3_PRESIGNED_DOWNLOADS=1 and a storage that can, a redirect to a 5-minute URL
    the client fetches the bytes from directly (Range works there too). Only for downloads
    nobody needs to count: this server never sees whether such a download completed."""
    if not current_app.config.get("S3_PRESIGNED_DOWNLOADS") or request.method != "GET":
        return None
    url = get_storage().presigned_url(record.key, disposition=content_disposition(record.name),
                                      content_type=record.type, expires=PRESIGNED_SECONDS)
    if url is None:
        return None
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def accel_redirect(record: File) -> Response | None:
    """Behind nginx with X_ACCEL_REDIRECT set (an `internal` location aliasing the storage
    folder), hand the transfer to nginx: it sends the file with sendfile and answers Range
    itself, and no worker thread is held for the length of a download."""
    prefix = current_app.config.get("X_ACCEL_REDIRECT")
    if not prefix or get_storage().local_path(record.key) is None:
        return None
    response = current_app.response_class(mimetype=record.type)
    response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{record.key}"
    response.headers["Content-Disposition"] = content_disposition(record.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(record.sha256)
    return response


def can_preview(record: File) -> bool:
    return any(record.type == t or (t.endswith("/") and record.type.startswith(t))
               for t in PREVIEWABLE)


# What the first bytes must be for a type a browser decodes itself.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def content_matches(record: File) -> bool:
    """Whether the bytes are what the declared type says, for types with a signature."""
    with files.open_bytes(record) as handle:
        head = handle.read(16)
    if record.type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if record.type == "image/avif":
        return head[4:12] in (b"ftypavif", b"ftypavis")
    signatures = SIGNATURES.get(record.type)
    return signatures is None or head.startswith(signatures)


def send_preview(record: File) -> Response:
    """Inline, for safe types whose bytes match, under a sandbox CSP: uploaded content
    never runs in our origin."""
    if not can_preview(record) or not content_matches(record):
        raise NoPreview()
    mimetype = "text/plain; charset=utf-8" if record.type == "text/plain" else record.type
    response = send_file_record(record, inline=True, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


class CountedBody:
    """Wraps a response body; on close reports bytes handed out and whether it ran to the end.

    A WSGI server asks for the next chunk only after writing the previous one, so reaching
    StopIteration means every byte went to the socket; a dropped client never gets there.
    `on_progress`, if given, runs every `every` seconds while bytes flow.
    """

    def __init__(self, inner: Iterable[bytes], on_close: Callable[[int, bool], None],
                 on_progress: Callable[[], None] | None = None,
                 every: float = counting.RENEW_SECONDS) -> None:
        self._inner = inner
        self._iter: Iterator[bytes] = iter(inner)
        self._on_close = on_close
        self._on_progress = on_progress
        self._every = every
        self._last = time.monotonic()
        self.sent = 0
        self.exhausted = False
        self._closed = False

    def __iter__(self) -> CountedBody:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._iter)
        except StopIteration:
            self.exhausted = True
            raise
        self.sent += len(chunk)
        if self._on_progress is not None and time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            try:
                self._on_progress()
            except Exception:  # the database is away: the hold may run out, which is safe
                log.warning("could not renew a download's hold", exc_info=True)
        return chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close(self.sent, self.exhausted)


def _reaches_end(response: Response, record: File) -> bool:
    content_range = response.content_range
    return response.status_code == 200 or (
        content_range is not None and content_range.stop == record.size)


def send_share(share: Share, viewer: User | None) -> Response:
    """A link without a limit: its bytes, Range included; a download counts when the
    file's last byte has been sent. (A limited link's GET goes through a ticket.)"""
    record = share.file
    direct = presigned_redirect(record) if share.max_downloads is None else None
    if direct is not None:
        # An unlimited link: a whole download counts when its URL is handed out (a player's
        # Range requests do not), since the bytes never pass through here.
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string)
        counting.finish(access.id, share.id, 0, completed=True, counts=request.range is None)
        return direct
    response = send_file_record(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    try:
        access = counting.begin(share, viewer, request.remote_addr or "",
                                request.user_agent.string)
    except BaseException:
        response.close()
        raise
    reaches_end = _reaches_end(response, record)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, exhausted: bool) -> None:
        # Runs after the request context is gone, when the server has sent the body.
        with app.app_context():
            counting.finish(access_id, share_id, sent, exhausted, reaches_end)

    response.response = CountedBody(cast(Iterable[bytes], response.response), on_close)
    return response


def send_ticket(share: Share, access: Access) -> Response:
    """A limited link's download, by its ticket: Range honoured, so a cut download resumes
    on it. It counts once, when a response reaching the last byte was sent whole; a cut
    one keeps the ticket's slot (counting.HOLD) for the next try."""
    record = share.file
    response = send_file_record(record)
    if request.method == "HEAD" or response.status_code not in (200, 206):
        return response
    # A completed ticket only resumes what a cut may have lost: it never counts again.
    counts = _reaches_end(response, record) and access.completed is None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    access_id, share_id = access.id, share.id

    def on_close(sent: int, exhausted: bool) -> None:
        with app.app_context():
            if exhausted and counts:
                counting.finish(access_id, share_id, sent, completed=True, counts=True)
            else:
                counting.pause(access_id, sent)

    def on_progress() -> None:
        with app.app_context():
            counting.renew(access_id)

    response.response = CountedBody(cast(Iterable[bytes], response.response), on_close,
                                    on_progress)
    return response
