"""Serving stored bytes: attachments with Range, ETag and zero-copy where possible, and
sandboxed previews. (Share downloads, counted, are `share_sending`'s.)"""

from __future__ import annotations

import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from flask import current_app, redirect, request
from werkzeug.wrappers import Response
from werkzeug.wsgi import FileWrapper, wrap_file

from ..errors import NoPreview
from ..models import File
from ..services import files
from ..storage import get_storage

CHUNK = 256 * 1024
PRESIGNED_SECONDS = 300
# Types a browser renders without running script; everything else downloads.
PREVIEWABLE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
               "application/pdf", "text/plain", "audio/", "video/")
PREVIEW_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; "
               "style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'")


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name in filename*."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    ascii_name = ascii_name.strip() or "download"
    if ascii_name == name:
        return f'{disposition}; filename="{ascii_name}"'
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_file_record(record: File, *, ranges: bool = True, inline: bool = False,
                     mimetype: str | None = None, handle: BinaryIO | None = None) -> Response:
    """Stream the file's bytes (from `handle`, the record's opened bytes, if given);
    gunicorn turns the file wrapper into sendfile()."""
    handle = handle or files.open_bytes(record)
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
    # Our own pages frame it (the PDF viewer); no other site may.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
