"""tus 1.0.0 resumable uploads: core, creation, creation-with-upload, termination,
checksum, expiration and concatenation (https://tus.io/protocols/resumable-upload).

A finished upload is a file of /api/v1/files; the final response names it in the
`Compartilha-File-Id` header.
"""

from __future__ import annotations

import re
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import Response, request

from ..errors import InvalidField, TusError
from ..http import rate_limits, tus_protocol
from ..http.bodies import BodyReader
from ..http.identity import BEARER, login_required, require_user
from ..http.multipart import accepts_upload
from ..http.urls import external_url
from ..services import concatenation, folder_paths, settings, tus
from . import bp

EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration,concatenation"
PARTIAL_URL = re.compile(r"(?:/.*)?/api/v1/uploads/([A-Za-z0-9_-]{32})/?")
TOKEN = "<string(length=32):token>"  # noqa: S105 - a URL rule
FILE_ID_HEADER = "Compartilha-File-Id"


@bp.after_request
def _tus_headers(response: Response) -> Response:
    if request.endpoint and request.endpoint.startswith("api.tus_"):
        tus_protocol.headers(response)
    return response


def _destination(meta: dict[str, str], name: str | None) -> tuple[int | None, str | None]:
    """The folder and file name of Upload-Metadata `folder_id` and `path`, as a
    multipart upload's fields are read (folders of the path made where missing)."""
    raw = meta.get("folder_id") or None
    if raw is not None and not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31):
        raise InvalidField("Upload-Metadata folder_id must be a folder's id.",
                           field="folder_id")
    return folder_paths.destination(require_user().id, int(raw) if raw else None,
                               meta.get("path"), name)


def _progress(response: Response, result: tus.Appended) -> Response:
    tus_protocol.progress(response, result.offset, result.expires_at)
    if result.file is not None:
        response.headers[FILE_ID_HEADER] = str(result.file.id)
    return response


@bp.route("/uploads", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route(f"/uploads/{TOKEN}", methods=["OPTIONS"], provide_automatic_options=False)
@bp.doc(summary="tus discovery")
def tus_options(token: str | None = None):
    """What this tus server supports (no account needed)."""
    return tus_protocol.options(EXTENSIONS, settings.current("max_upload_bytes"))


@bp.post("/uploads")
@rate_limits.upload
@accepts_upload
@login_required
@bp.doc(security=BEARER, summary="tus creation", operation_id="create_upload", responses={
    201: "created; Location is the upload's URL", 412: "wrong Tus-Resumable",
    413: "Upload-Length over Tus-Max-Size (`too_large`), or over my storage quota "
         "(`quota_exceeded`)", 422: "a refused file type",
    429: "throttled, or too many unfinished uploads"})
def tus_create():
    """Create an upload (Upload-Length, Upload-Metadata `filename`, `filetype`, and
    `folder_id`, `path` as a multipart upload's fields); bytes may follow in the same
    request."""
    tus_protocol.check_version()
    meta = tus_protocol.metadata()
    name = meta.get("filename") or meta.get("name")
    filetype = meta.get("filetype") or meta.get("type")
    concat = request.headers.get("Upload-Concat", "").strip()
    if concat not in ("", "partial") and not concat.startswith("final;"):
        raise TusError(400, "invalid_header", "Upload-Concat is `partial` or `final;<URLs>`.")
    folder_id = None
    if concat != "partial":
        folder_id, name = _destination(meta, name)
    if concat.startswith("final;"):
        return _join(concat, name, filetype, folder_id)
    length = tus_protocol.int_header("Upload-Length")
    upload = tus.create(require_user().id, length or 0, name, filetype,
                        partial=concat == "partial", folder_id=folder_id)
    response = Response(status=201, headers={
        "Location": external_url("api.tus_status", token=upload.token)})
    first = tus_protocol.creation_body()
    if first is not None or length == 0:
        body, sent = first or (BodyReader(request.environ, 0), 0)
        return _progress(response, tus.append(upload.user_id, upload.token, 0, body,
                                              sent, tus_protocol.checksum()))
    return tus_protocol.expires(response, upload.expires_at)


def _join(concat: str, name: str | None, filetype: str | None,
          folder_id: int | None) -> Response:
    """A final upload: its partials' URLs (absolute or paths) after `final;`."""
    if request.content_length:
        raise TusError(400, "invalid_header", "A final upload carries no bytes.")
    tokens = []
    for url in concat[len("final;"):].split():
        match = PARTIAL_URL.fullmatch(urlsplit(url).path)
        if match is None:
            raise TusError(400, "invalid_header", "Upload-Concat names an URL that is not "
                           "an upload of this server.")
        tokens.append(match[1])
    final, record = concatenation.join(require_user().id, tokens, name, filetype, folder_id)
    return Response(status=201, headers={
        "Location": external_url("api.tus_status", token=final.token),
        "Upload-Offset": str(record.size), FILE_ID_HEADER: str(record.id),
        "Upload-Expires": format_datetime(tus.finished_expiry(record), usegmt=True)})


@bp.route(f"/uploads/{TOKEN}", methods=["HEAD"])
@login_required
@bp.doc(security=BEARER, summary="tus offset", responses={404: "no such upload of mine"})
def tus_status(token: str):
    """How many bytes the server holds: resume from Upload-Offset."""
    return tus_protocol.status_response(tus.status(require_user().id, token))


@bp.patch(f"/uploads/{TOKEN}")
@accepts_upload
@login_required
@bp.doc(security=BEARER, summary="tus append", operation_id="append_upload", responses={
    204: "stored; Upload-Offset is the new offset", 409: "Upload-Offset is not the offset",
    422: "the last bytes completed malware (`malware_detected`): the upload is gone",
    423: "another request is sending this upload", 460: "checksum mismatch",
    503: "the antivirus gave no verdict (`scanner_unavailable`): the upload is gone"})
def tus_append(token: str):
    """Append bytes at Upload-Offset (application/offset+octet-stream)."""
    tus_protocol.check_version()
    offset = tus_protocol.int_header("Upload-Offset")
    body, length = tus_protocol.patch_body()
    result = tus.append(require_user().id, token, offset or 0, body, length,
                        tus_protocol.checksum())
    return _progress(Response(status=204), result)


@bp.post(f"/uploads/{TOKEN}")
@bp.doc(security=BEARER, summary="tus method override", operation_id="override_upload_method",
        responses={
    405: "X-HTTP-Method-Override is not PATCH or DELETE"})
def tus_override(token: str):
    """`PATCH` or `DELETE` sent as `POST` with `X-HTTP-Method-Override` (tus core), for
    clients and proxies that cannot send those methods."""
    views = {"PATCH": tus_append, "DELETE": tus_terminate}
    return views[tus_protocol.method_override()](token=token)


@bp.delete(f"/uploads/{TOKEN}")
@login_required
@bp.doc(security=BEARER, summary="tus termination", operation_id="cancel_upload",
        responses={204: "abandoned", 404: "no such upload of mine"})
def tus_terminate(token: str):
    """Abandon an upload and free its bytes."""
    tus_protocol.check_version()
    tus.terminate(require_user().id, token)
    return Response(status=204)
