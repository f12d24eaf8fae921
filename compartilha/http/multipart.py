"""Multipart uploads written once, straight into storage.

Werkzeug normally spools each file part to a temporary file that the view then
copies; here the part is parsed directly into a storage `Writer`, which hashes
and counts the bytes as they arrive. The view commits the writer (atomic rename);
any writer not committed by the end of the request is aborted, leaving no trace.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import IO, Any

from flask import Flask, Request, current_app, g, request
from werkzeug.formparser import FormDataParser, MultiPartParser

from ..hashing import READ_SIZE
from ..services import quotas, settings
from ..storage import Writer, get_storage
from .bodies import BodyReader, limit_idle_reads
from .identity import require_user

MULTIPART_OVERHEAD = 64 * 1024
# Upload routes: the largest non-file field (Flask's default is 500 kB), raised to leave
# room for the parser's READ_SIZE reads (see UploadFormParser).
UPLOAD_FORM_MEMORY = 4 * READ_SIZE


class UploadFormParser(FormDataParser):
    """Multipart parsed in large reads: Werkzeug's parser reads 64 KiB at a time, and a
    server that read ahead (gunicorn reads up to 1 MiB per recv) then re-copies what is
    left on every small read. Other types are parsed as Werkzeug does."""

    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None) -> Any:
        if mimetype != "multipart/form-data":
            return super().parse(stream, mimetype, content_length, options)
        limit = self.max_form_memory_size
        # Werkzeug counts what it holds while looking for the end of a part against the
        # field limit: reads stay well under it (small on routes that take no uploads).
        read_size = READ_SIZE if limit is None else max(64 * 1024, min(READ_SIZE, limit // 4))
        parser = MultiPartParser(
            stream_factory=self.stream_factory, max_form_memory_size=limit, cls=self.cls,
            buffer_size=read_size, max_form_parts=self.max_form_parts)
        try:
            boundary = (options or {}).get("boundary", "").encode("ascii")
            if not boundary:
                raise ValueError("Missing boundary")
            form, files = parser.parse(stream, boundary, content_length)
        except ValueError:
            if not self.silent:
                raise
            return stream, self.cls(), self.cls()
        return stream, form, files


class UploadRequest(Request):
    form_data_parser_class = UploadFormParser

    def _get_stream_for_parsing(self) -> IO[bytes]:
        # A multipart body of known length is read through BodyReader: never past its
        # Content-Length, with no wrapper copying each read once more.
        length = self.content_length
        if (self.mimetype == "multipart/form-data" and length is not None
                and getattr(self, "_cached_data", None) is None
                and (self.max_content_length is None or length <= self.max_content_length)):
            return BodyReader(self.environ, length)  # type: ignore[return-value]
        return super()._get_stream_for_parsing()

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        if g.get("files_in_memory"):  # a small file a page keeps (a logo): not storage
            return io.BytesIO()
        # A route may lower the limit for this request (an upload link's limits).
        limit = g.get("upload_max_bytes", settings.current("max_upload_bytes"))
        writer = get_storage().writer(max_bytes=limit)
        writer.refusal = g.get("upload_refusal")
        g.setdefault("upload_writers", []).append(writer)
        return writer  # type: ignore[return-value]


def accepts_upload(view: Callable[..., Any]) -> Callable[..., Any]:
    """Raise this request's body limit from the small default to the upload limit, and
    let a body whose client stops sending end after UPLOAD_IDLE_SECONDS."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        request.max_content_length = settings.current("max_upload_bytes") + MULTIPART_OVERHEAD
        request.max_form_memory_size = UPLOAD_FORM_MEMORY
        limit_idle_reads(request.environ, current_app.config["UPLOAD_IDLE_SECONDS"])
        return view(*args, **kwargs)

    return wrapped


def within_quota(user_id: int, way: str) -> None:
    """Before the body of a multipart upload into `user_id`'s storage: 413
    `quota_exceeded` at once when the account has no room at all (or the declared body
    cannot fit), else the file part is read with the room left as its limit, refused as
    soon as it goes past it, its staged bytes dropped. The recording checks again, locked
    (`services.files.store`). `way`: "multipart", or "link" (the visitor of an upload
    link, told nothing of the owner's figures)."""
    now = quotas.room_for(user_id, way=way)
    room = now.room_bytes
    if room is None:
        return
    declared = request.content_length
    if declared is not None and declared > room + MULTIPART_OVERHEAD:
        raise quotas.over_room(user_id, now, declared - MULTIPART_OVERHEAD, way=way)
    if room < g.get("upload_max_bytes", settings.current("max_upload_bytes")):
        g.upload_max_bytes = room
        g.upload_refusal = lambda size: quotas.over_room(user_id, now, size, way=way)


def quota_checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """`within_quota` for the signed-in user's own upload (after `login_required`, before
    the body is parsed)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        within_quota(require_user().id, "multipart")
        return view(*args, **kwargs)

    return wrapped


def files_in_memory(view: Callable[..., Any]) -> Callable[..., Any]:
    """A form whose files the view reads itself (within the small default body limit),
    rather than one streamed into storage."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.files_in_memory = True
        return view(*args, **kwargs)

    return wrapped


def _abort_leftovers(exc: BaseException | None) -> None:
    writers: list[Writer] = g.pop("upload_writers", [])
    for writer in writers:
        writer.abort()


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
    app.teardown_request(_abort_leftovers)
