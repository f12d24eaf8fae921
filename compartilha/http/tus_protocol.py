"""The HTTP side of tus 1.0.0 (https://tus.io/protocols/resumable-upload), shared by the
owner's `/api/v1/uploads` (api/tus.py) and an upload link's `/r/<token>/uploads`
(web/request_uploads.py): headers read and written the same way at both."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from email.utils import format_datetime

from flask import Response, request

from ..errors import TusError
from ..services import settings, tus
from ..services.tus import CHECKSUMS
from .bodies import BodyReader

TUS_VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"


def headers(response: Response) -> Response:
    """Every tus answer's headers (after_request of the routes' blueprint)."""
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


def check_version() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusError(412, "tus_version", "Send Tus-Resumable: 1.0.0.",
                       headers={"Tus-Version": TUS_VERSION})


def int_header(name: str, *, required: bool = True) -> int | None:
    raw = request.headers.get(name)
    if raw is None and not required:
        return None
    # ASCII digits only: str.isdigit() also accepts '²' and '٣', which int() refuses or reads.
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise TusError(400, "invalid_header", f"{name} must be a non-negative integer.")
    return int(raw)


def metadata() -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64(value)` pairs."""
    pairs: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in request.headers.get("Upload-Metadata", "")
                              .split(","))):
        key, _, value = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise TusError(400, "invalid_header", f"Upload-Metadata {key!r} is not "
                           "base64 of UTF-8 text.") from exc
    return pairs


def checksum() -> tuple[str, bytes] | None:
    raw = request.headers.get("Upload-Checksum")
    if raw is None:
        return None
    algorithm, _, value = raw.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise TusError(400, "checksum_algorithm", "Upload-Checksum algorithm not supported.")
    try:
        return algorithm, base64.b64decode(value.strip(), validate=True)
    except binascii.Error as exc:
        raise TusError(400, "invalid_header", "Upload-Checksum is not base64.") from exc


def body(length: int) -> BodyReader:
    if request.mimetype != OFFSET_TYPE:
        raise TusError(415, "unsupported_media_type", f"Send the bytes as {OFFSET_TYPE}.")
    return BodyReader(request.environ, length)


def chunked_body() -> BodyReader:
    """A chunked body (no Content-Length): read to its end, never past the upload's
    length (the service stops there: 413), and only as the server de-chunked it."""
    if request.mimetype != OFFSET_TYPE:
        raise TusError(415, "unsupported_media_type", f"Send the bytes as {OFFSET_TYPE}.")
    reader = BodyReader.chunked(request.environ, settings.current("max_upload_bytes") + 1)
    if reader is None:
        raise TusError(411, "length_required", "Send Content-Length.")
    return reader


def patch_body() -> tuple[BodyReader, int | None]:
    """A PATCH's bytes and their declared length (None: chunked)."""
    length = request.content_length
    return (body(length) if length is not None else chunked_body()), length


def creation_body() -> tuple[BodyReader, int] | None:
    """The bytes a creation carries (creation-with-upload), if any; an empty upload
    (Upload-Length: 0) is finished by its creation."""
    sent = request.content_length or 0
    if sent:
        return body(sent), sent
    return None


def progress(response: Response, offset: int, expires_at: datetime) -> Response:
    response.headers["Upload-Offset"] = str(offset)
    response.headers["Upload-Expires"] = format_datetime(expires_at, usegmt=True)
    return response


def expires(response: Response, expires_at: datetime) -> Response:
    response.headers["Upload-Expires"] = format_datetime(expires_at, usegmt=True)
    return response


def encoded_metadata(state: tus.Progress) -> str:
    """Upload-Metadata as stored: the (cleaned) file name and type."""
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in (("filename", state.name), ("filetype", state.type)))


def status_response(state: tus.Progress) -> Response:
    """A HEAD's answer: where to resume."""
    response = Response(status=200, headers={
        "Upload-Offset": str(state.offset), "Upload-Length": str(state.length),
        "Upload-Expires": format_datetime(state.expires_at, usegmt=True),
        "Upload-Metadata": encoded_metadata(state)})
    if state.partial:
        response.headers["Upload-Concat"] = "partial"
    return response


def options(extensions: str, max_size: int) -> Response:
    """Discovery: what this tus endpoint supports."""
    return Response(status=204, headers={
        "Tus-Version": TUS_VERSION, "Tus-Extension": extensions,
        "Tus-Max-Size": str(max_size), "Tus-Checksum-Algorithm": ",".join(CHECKSUMS)})


def unsupported(what: str) -> None:
    raise TusError(400, "invalid_header", f"This endpoint does not take {what}.")


def method_override() -> str:
    """`PATCH` or `DELETE` sent as `POST` with `X-HTTP-Method-Override` (tus core)."""
    method = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    if method not in ("PATCH", "DELETE"):
        raise TusError(405, "method_not_allowed", "POST here needs X-HTTP-Method-Override: "
                       "PATCH or DELETE.", headers={"Allow": "HEAD, PATCH, DELETE, OPTIONS"})
    return method
