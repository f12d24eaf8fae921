"""The public side of an upload link (`/r/<token>`): anyone holding it uploads into the
owner's folder, with no account; they see only what they sent (services.file_requests)."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..errors import NoFile, PasswordRequired, RequestNotFound, WrongSharePassword
from ..extensions import db
from ..http.error_handlers import wants_json
from ..http.identity import client_address
from ..http.multipart import MULTIPART_OVERHEAD, accepts_upload, within_quota
from ..models import FileRequest, User
from ..public_paths import UPLOAD_LINKS
from ..services import (
    arrivals,
    events,
    file_names,
    file_requests,
    files,
    folder_paths,
    settings,
    throttle,
)
from ..storage import Writer
from . import bp
from .unlocking import Unlock, private

# An afternoon of uploads after one password.
UNLOCK = Unlock("request-unlock", "compartilha_request_", UPLOAD_LINKS, 12 * 60 * 60)


def _unlocked(link: FileRequest) -> bool:
    return UNLOCK.unlocked(link.id, link.token, link.password_hash)


def _open(token: str) -> FileRequest:
    """The link; unknown tokens are counted per client like share links' (`share-miss`)."""
    throttle.check("share-miss", client_address())
    try:
        return file_requests.open_public(token)
    except RequestNotFound:
        throttle.take("share-miss", client_address())
        raise


def _page(link: FileRequest, *, status: int = 200, error: str | None = None,
          sent: dict | None = None) -> Response:
    owner = db.session.get(User, link.user_id)
    html = render_template("request.html", link=link, needs_password=not _unlocked(link),
                           password_error=error, sent=sent, max_upload=_upload_limit(link),
                           owner_name=owner.name if owner else "")
    return private(current_app.response_class(html, status=status, mimetype="text/html"))


@bp.get(f"{UPLOAD_LINKS}<token>")
def request_page(token: str):
    return _page(_open(token))


@bp.post(f"{UPLOAD_LINKS}<token>")
def request_unlock(token: str):
    """The password form: a right one sets a cookie for this link's paths only."""
    link = _open(token)
    try:
        file_requests.check_password(link, request.form.get("password"), client_address())
    except (PasswordRequired, WrongSharePassword) as exc:
        return _page(link, status=401, error=_("Wrong password for this link.")
                     if isinstance(exc, WrongSharePassword) else _("Enter the password."))
    response = redirect(url_for("web.request_page", token=token), 303)
    UNLOCK.remember(response, link.id, link.token, link.password_hash)
    return private(response)


def throttled(link: FileRequest) -> None:
    """One more upload through the link (form or tus): per client address and per link."""
    throttle.take("request-upload", client_address())
    throttle.take("request-upload-link", str(link.id))


def _upload_limit(link: FileRequest) -> int:
    """The most one file may have here: the server's, the link's, what its total leaves."""
    limit = settings.current("max_upload_bytes")
    if link.max_file_bytes is not None:
        limit = min(limit, link.max_file_bytes)
    if link.max_total_bytes is not None:
        limit = min(limit, link.max_total_bytes - link.bytes_received)
    return max(limit, 0)


@bp.post(f"{UPLOAD_LINKS}<token>/files")
@accepts_upload
def request_upload(token: str):
    """One file (multipart field `file`, with `uploader_name`, `uploader_email`, `password`
    when the link asks for them): 201 and its receipt; 410 when the link takes no more,
    413 over a limit. Refused before the body when that is already known."""
    link = _open(token)
    file_requests.precheck(link, None)
    throttled(link)
    limit = _upload_limit(link)
    declared = request.content_length
    if declared is not None and declared > limit + MULTIPART_OVERHEAD:
        file_requests.precheck(link, declared - MULTIPART_OVERHEAD)
    g.upload_max_bytes = limit
    request.max_content_length = limit + MULTIPART_OVERHEAD
    within_quota(link.user_id, "link")  # the owner's storage quota
    if not _unlocked(link):
        file_requests.check_password(link, request.form.get("password"), client_address())
    name, email = file_requests.sender(link, request.form.get("uploader_name"),
                                       request.form.get("uploader_email"))
    part = request.files.get("file")
    if part is None:
        raise NoFile()
    # The upload request class parses the part straight into a storage Writer.
    writer = cast(Writer, part.stream)
    try:  # `path`: a relative path below the link's folder, as a tus upload's
        folder_id, sent = folder_paths.destination(link.user_id, link.folder_id,
                                                   request.form.get("path") or None,
                                                   part.filename)
    except BaseException:
        writer.abort()
        raise
    record = files.store(link.user_id, sent, part.mimetype, writer, folder_id,
                         before_commit=lambda record: file_requests.record_arrival(
                             link, record, sender_name=name, sender_email=email,
                             sender_ip=client_address(),
                             sent_name=file_names.accepted_name(sent)),
                         request_id=link.id, way="link")
    events.file_received(link.id, record.id)
    receipt = arrivals.receipt(record)
    if wants_json():
        return private(jsonify({"file": receipt})), 201
    return _page(link, status=201, sent=receipt)
