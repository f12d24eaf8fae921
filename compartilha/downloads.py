"""Serving stored bytes: always an attachment, with Range, ETag and zero-copy where possible."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.wsgi import wrap_file

from .models import File
from .services import files


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback plus the exact UTF-8 name in filename*."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    ascii_name = ascii_name.strip() or "download"
    if ascii_name == name:
        return f'{disposition}; filename="{ascii_name}"'
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_file_record(record: File) -> Response:
    """Stream the file's bytes; gunicorn turns the file wrapper into sendfile()."""
    handle = files.open_bytes(record)
    response = current_app.response_class(
        wrap_file(request.environ, handle), direct_passthrough=True,
        mimetype=record.type,
    )
    response.content_length = record.size
    response.headers["Content-Disposition"] = content_disposition(record.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(record.sha256)
    response.last_modified = record.created_at
    try:
        return response.make_conditional(request.environ, accept_ranges=True,
                                         complete_length=record.size)
    except BaseException:
        response.close()  # a 416 discards this response: do not leak the open file
        raise

