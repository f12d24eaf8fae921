"""Multipart uploads written once, straight into storage.

Werkzeug normally spools each file part to a temporary file that the view then
copies; here the part is parsed directly into a storage `Writer`, which hashes
and counts the bytes as they arrive. The view commits the writer (atomic rename);
any writer not committed by the end of the request is aborted, leaving no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import IO, Any

from apiflask import APIFlask
from flask import Flask, current_app, g, request

from .storage import Writer, get_storage
from .streaming import BodyReader

MULTIPART_OVERHEAD = 64 * 1024


class UploadRequest(APIFlask.request_class):  # type: ignore[name-defined,misc]
    def _get_stream_for_parsing(self) -> IO[bytes]:
        # Under gunicorn the parser reads the socket itself: gunicorn's Body.read copies
        # each piece through BytesIO several times (see compartilha.streaming).
        length = self.content_length
        if (getattr(self, "_cached_data", None) is None and length is not None
                and (self.max_content_length is None or length <= self.max_content_length)):
            reader = BodyReader(self.environ, length)
            if reader.direct:
                return reader  # type: ignore[return-value]
        return super()._get_stream_for_parsing()

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        writer = get_storage().writer(max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
        g.setdefault("upload_writers", []).append(writer)
        return writer  # type: ignore[return-value]


def accepts_upload(view: Callable[..., Any]) -> Callable[..., Any]:
    """Raise this request's body limit from the small default to the upload limit."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"] + MULTIPART_OVERHEAD
        return view(*args, **kwargs)

    return wrapped


def _abort_leftovers(exc: BaseException | None) -> None:
    writers: list[Writer] = g.pop("upload_writers", [])
    for writer in writers:
        writer.abort()


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
    app.teardown_request(_abort_leftovers)
