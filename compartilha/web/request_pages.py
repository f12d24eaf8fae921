"""The owner's upload links: the list with counters, link, QR code and revoke; a form
to create one (every option of `POST /api/v1/requests`) and the same form to edit it.
They call services.file_requests, as the API does; the visitor's side is file_requests.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..errors import AppError
from ..http.identity import require_user
from ..http.urls import request_url
from ..models import FileRequest
from ..models.columns import utcnow
from ..services import file_requests, folders, settings
from . import bp
from .helpers import page_login_required, qr_response
from .messages import errors_by_field

EXPIRIES = ("3600", "86400", "604800", "2592000")  # the form's choices, in seconds
MB = 1024 * 1024  # as the pages' sizes count (i18n.filesize)
SIZE_FIELDS = {"max_file_bytes": "max_file_mb", "max_total_bytes": "max_total_mb"}
FLAGS = ("require_name", "require_email", "show_uploads", "notify")


@bp.get("/requests")
@page_login_required
def my_requests():
    links = file_requests.list_for(require_user().id)
    return render_template("pages/requests.html", links=links, state=file_requests.state,
                           request_url=request_url)


def _number(value: str, scale: int = 1) -> int | None:
    """A whole number from a form field (empty: no limit); anything else is 0, which the
    service refuses beside every other wrong field."""
    value = value.strip()
    if not value:
        return None
    return int(value) * scale if value.isascii() and value.isdigit() else 0


def _options(form: MultiDict[str, str], *, editing: bool) -> dict[str, Any]:
    """The link's options from the form; editing, what was left as it was changes nothing."""
    options: dict[str, Any] = {"title": form.get("title", ""),
                               "message": form.get("message", "").strip() or None,
                               "max_files": _number(form.get("max_files", ""))}
    for field, name in SIZE_FIELDS.items():
        options[field] = _number(form.get(name, ""), MB)
    expiry = form.get("expiry", "keep" if editing else "never")
    if expiry in EXPIRIES:
        options["expires_at"] = utcnow() + timedelta(seconds=int(expiry))
    elif expiry != "keep":
        options["expires_at"] = None
    action = form.get("password_action", "set")
    if action == "set":
        options["password"] = form.get("password") or None
    elif action == "remove":
        options["password"] = None
    folder = form.get("folder", "")
    if folder.isascii() and folder.isdigit():
        options["folder_id"] = int(folder)
    for flag in FLAGS:
        options[flag] = form.get(flag) == "1"
    return options


def _errors(exc: AppError) -> dict[str, str]:
    """Messages by form field: the sizes are asked in MB, not bytes."""
    errors = errors_by_field(exc)
    if errors.pop("max_file_bytes", None):
        errors["max_file_mb"] = _("Give a whole number of MB, from 1 to %(max)d.",
                                  max=max(1, settings.current("max_upload_bytes") // MB))
    if errors.pop("max_total_bytes", None):
        errors["max_total_mb"] = _("Give a whole number of MB, from 1.")
    return errors


def _form(link: FileRequest | None, errors: dict[str, str], form: Any, status: int = 200):
    user_id = require_user().id
    return render_template("pages/request_form.html", link=link, errors=errors, form=form,
                           folders=folders.paths(user_id), mb=MB,
                           max_upload=settings.current("max_upload_bytes")), status


@bp.route("/requests/new", methods=["GET", "POST"])
@page_login_required
def new_request():
    """A new upload link; `?folder=` (from a folder's page) chooses its folder."""
    file_requests.check_may_create(require_user().id)  # the 403 page, before the form
    if request.method == "GET":
        return _form(None, {}, {"folder": request.args.get("folder", ""), "show_uploads": "1"})
    try:
        link = file_requests.create(require_user().id, **_options(request.form, editing=False))
    except AppError as exc:
        return _form(None, _errors(exc), request.form, exc.status)
    flash(_("Your upload link is ready: send it to whoever should send you files."),
          "success")
    return redirect(url_for("web.my_requests", _anchor=f"request-{link.id}"))


@bp.route("/requests/<id:request_id>", methods=["GET", "POST"])
@page_login_required
def edit_request(request_id: int):
    """The same form, filled with the link's options; saving keeps its token."""
    user_id = require_user().id
    link = file_requests.get_owned(user_id, request_id)
    if request.method == "GET":
        return _form(link, {}, {})
    try:
        file_requests.change(user_id, request_id, **_options(request.form, editing=True))
    except AppError as exc:
        return _form(link, _errors(exc), request.form, exc.status)
    flash(_("The upload link was changed; it is the same link."), "success")
    return redirect(url_for("web.my_requests", _anchor=f"request-{request_id}"))


@bp.post("/requests/<id:request_id>/revoke")
@page_login_required
def revoke_request(request_id: int):
    file_requests.revoke(require_user().id, request_id)
    flash(_("The upload link was revoked; nobody can send files through it."), "success")
    return redirect(url_for("web.my_requests"))


@bp.get("/requests/<id:request_id>/qr.svg")
@page_login_required
def request_qr(request_id: int):
    """The link as a QR code, drawn on the server as a share link's is."""
    return qr_response(request_url(file_requests.get_owned(require_user().id,
                                                           request_id).token))
