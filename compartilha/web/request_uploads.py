"""tus 1.0.0 through an upload link, `/r/<token>/uploads`: the owner's protocol
(api/tus.py, minus concatenation), authorised by the link, not an account.

Creation takes Upload-Metadata `filename`, `filetype`, `uploader_name`, `uploader_email`,
`password` (or the cookie the link's page sets) and `path` (a relative path below the
link's folder, ending in the file's name); every limit is checked there, before any byte
(services.arrivals). The upload's URL is the visitor's only handle on it: HEAD, PATCH and
DELETE need nothing else, and each re-checks the link (410 once it has ended).
"""

from __future__ import annotations

from flask import Response, jsonify, request

from ..errors import RequestNotFound
from ..http import tus_protocol
from ..http.bodies import BodyReader
from ..http.identity import client_address
from ..http.multipart import accepts_upload
from ..http.urls import external_url
from ..models import FileRequest
from ..public_paths import UPLOAD_LINKS
from ..services import arrivals, file_requests, settings, throttle
from . import bp
from .file_requests import UNLOCK, throttled
from .unlocking import private

EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
UPLOADS = f"{UPLOAD_LINKS}<token>/uploads"
UPLOAD = f"{UPLOADS}/<string(length=32):upload>"


@bp.after_request
def _tus_headers(response: Response) -> Response:
    if request.endpoint and request.endpoint.startswith("web.request_tus_"):
        private(tus_protocol.headers(response))
    return response


def _link(token: str) -> FileRequest:
    """The link, whatever its state; unknown tokens are counted per client like share
    links' (`share-miss`)."""
    throttle.check("share-miss", client_address())
    try:
        return file_requests.find_public(token)
    except RequestNotFound:
        throttle.take("share-miss", client_address())
        raise


@bp.route(UPLOADS, methods=["OPTIONS"], provide_automatic_options=False)
@bp.route(UPLOAD, methods=["OPTIONS"], provide_automatic_options=False)
def request_tus_options(token: str, upload: str | None = None):
    """What this tus endpoint supports."""
    return tus_protocol.options(EXTENSIONS, settings.current("max_upload_bytes"))


@bp.post(UPLOADS)
@accepts_upload
def request_tus_create(token: str):
    """Create an upload (Upload-Length); bytes may follow in the same request."""
    tus_protocol.check_version()
    link = _link(token)
    throttled(link)
    if request.headers.get("Upload-Concat") or request.headers.get("Upload-Defer-Length"):
        tus_protocol.unsupported("concatenation and deferred lengths")
    length = tus_protocol.int_header("Upload-Length") or 0
    meta = tus_protocol.metadata()
    arrivals.refuse_ended(link)  # 410, and 413 over a limit, before the password
    file_requests.precheck(link, length)
    if not UNLOCK.unlocked(link.id, link.token, link.password_hash):
        file_requests.check_password(link, meta.get("password"), client_address())
    name, email = file_requests.sender(link, meta.get("uploader_name"),
                                       meta.get("uploader_email"))
    upload = arrivals.begin(link, length, meta.get("filename") or meta.get("name"),
                            meta.get("filetype") or meta.get("type"), meta.get("path"),
                            sender_name=name, sender_email=email, client=client_address())
    response = Response(status=201, headers={"Location": external_url(
        "web.request_tus_status", token=token, upload=upload.token)})
    first = tus_protocol.creation_body()
    if first is None and length:
        return tus_protocol.expires(response, upload.expires_at)
    body, sent = first or (BodyReader(request.environ, 0), 0)
    result = arrivals.append(link, upload.token, 0, body, sent, tus_protocol.checksum())
    return tus_protocol.progress(response, result.offset, result.expires_at)


@bp.route(UPLOAD, methods=["GET", "HEAD"])
def request_tus_status(token: str, upload: str):
    """HEAD: where to resume. GET: the receipt of the finished file, `{"file": {name,
    size, type, sha256, created_at}}` (404 until it is finished)."""
    link = _link(token)
    if request.method == "HEAD":
        tus_protocol.check_version()
        return tus_protocol.status_response(arrivals.status(link, upload))
    return jsonify({"file": arrivals.receipt(arrivals.finished(link, upload))})


@bp.patch(UPLOAD)
@accepts_upload
def request_tus_append(token: str, upload: str):
    """Append bytes at Upload-Offset (application/offset+octet-stream)."""
    tus_protocol.check_version()
    link = _link(token)
    offset = tus_protocol.int_header("Upload-Offset") or 0
    body, length = tus_protocol.patch_body()
    result = arrivals.append(link, upload, offset, body, length, tus_protocol.checksum())
    return tus_protocol.progress(Response(status=204), result.offset, result.expires_at)


@bp.post(UPLOAD)
@accepts_upload
def request_tus_override(token: str, upload: str):
    """PATCH or DELETE sent as POST with X-HTTP-Method-Override."""
    views = {"PATCH": request_tus_append, "DELETE": request_tus_cancel}
    return views[tus_protocol.method_override()](token=token, upload=upload)


@bp.delete(UPLOAD)
def request_tus_cancel(token: str, upload: str):
    """Abandon an upload and free its bytes."""
    tus_protocol.check_version()
    arrivals.cancel(_link(token), upload)
    return Response(status=204)
