"""My links (state, counters, edit, revoke), their QR codes, links shared with me, and
the page that shares a selection of files and folders."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..errors import AppError, EmailUnverified, InvalidField, PublicLinksDisabled
from ..http.converters import ID_MAX
from ..http.identity import require_user
from ..http.languages import preferred
from ..http.urls import share_url
from ..models.columns import utcnow
from ..services import recipients, settings, share_items, shares
from . import bp
from .helpers import page_login_required, qr_response
from .messages import errors_by_field

EXPIRIES = {"3600", "86400", "604800", "2592000"}  # the choices of the forms, in seconds
ADDRESSES = re.compile(r"[\s,;]+")


@bp.get("/links")
@page_login_required
def my_links():
    """Filtered on the server by the query string (`?show=active|ended&q=name`), so a
    filtered list can be bookmarked and works without JavaScript."""
    show = request.args.get("show", "")
    show = show if show in ("active", "ended") else ""
    query = request.args.get("q", "").strip()[:255]
    items = shares.list_for(require_user().id, ended={"": None, "active": False,
                                                      "ended": True}[show], name=query)
    return render_template("pages/links.html", shares=items, state=shares.state,
                           share_url=share_url, show=show, query=query,
                           items_of=share_items.top_or_empty,
                           errors={}, editing=None)


@bp.post("/links/<id:share_id>/revoke")
@page_login_required
def revoke_link(share_id: int):
    shares.revoke(require_user().id, share_id)
    flash(_("The link was revoked; it no longer works."), "success")
    return redirect(url_for("web.my_links"))


@bp.get("/links/<id:share_id>/qr.svg")
@page_login_required
def link_qr(share_id: int):
    """The link as a QR code, drawn on the server so no script or third party is involved."""
    return qr_response(share_url(shares.get_owned(require_user().id, share_id).token))


@bp.get("/shared")
@page_login_required
def shared_with_me():
    return render_template("pages/shared.html", shares=shares.shared_with(require_user()),
                           share_url=share_url, size_of=_size_of)


def _size_of(share: Any) -> int:
    if share.file is not None:
        return int(share.file.size)
    return share_items.total_size(share) if share.items else 0


@bp.post("/links/<id:share_id>/notify")
@page_login_required
def notify_link(share_id: int):
    """Turn the link's download emails on (`notify=1`) or off."""
    on = request.form.get("notify") == "1"
    share = shares.change(require_user().id, share_id, notify_on_download=on)
    name = share.label
    flash(_("You will be emailed at each download of “%(name)s”.", name=name) if on
          else _("No more download emails for “%(name)s”.", name=name), "success")
    return redirect(url_for("web.my_links", _anchor=f"link-{share.id}"))


def _ids(values: list[str]) -> list[int]:
    """Ids from a query or form; anything that is not one is no file of anyone's (404)."""
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= ID_MAX:
            abort(404)
        ids.append(int(value))
    return ids


def _options(form: MultiDict[str, str], *, editing: bool) -> dict[str, Any]:
    """The link's options from a form; editing, a field left as it was changes nothing."""
    options: dict[str, Any] = {}
    expiry = form.get("expiry", "keep" if editing else "")
    default_days = settings.current("default_share_days")
    if expiry in EXPIRIES or (default_days and expiry == str(default_days * 86400)):
        options["expires_at"] = utcnow() + timedelta(seconds=int(expiry))
    elif expiry == "" or expiry == "never":
        options["expires_at"] = None
    limit = form.get("max_downloads", "").strip()
    # Not a number: 0, which the service refuses beside every other wrong field.
    options["max_downloads"] = (int(limit) if limit.isascii() and limit.isdigit() else 0
                                ) if limit else None
    password = form.get("password", "")
    if not editing or form.get("password_action") == "set":
        options["password"] = password or None
    elif form.get("password_action") == "remove":
        options["password"] = None
    options["title"] = form.get("title", "").strip() or None
    options["message"] = form.get("message", "").strip() or None
    options["notify_on_download"] = form.get("notify_on_download") == "1"
    return options


@bp.route("/shares/new", methods=["GET", "POST"])
@page_login_required
def new_share():
    """The files page's multi-select "Share": the chosen files and folders, the link's
    options, and once created the link (or, sent by email, one per address)."""
    source = request.form if request.method == "POST" else request.args
    file_ids, folder_ids = _ids(source.getlist("file_ids")), _ids(source.getlist("folder_ids"))
    user = require_user()
    chosen = share_items.describe(user.id, file_ids, folder_ids)
    errors: dict[str, str] = {}
    created: list[Any] = []
    if request.method == "POST":
        try:
            options = _options(request.form, editing=False)
            addresses = [a for a in ADDRESSES.split(request.form.get("recipients", "")) if a]
            if addresses:
                created = recipients.send(user, None, addresses, lang=preferred(),
                                          file_ids=file_ids, folder_ids=folder_ids, **options)
            else:
                created = [shares.create(user.id, file_ids=file_ids, folder_ids=folder_ids,
                                         **options)]
        except (InvalidField, EmailUnverified, PublicLinksDisabled) as exc:  # the recipients'
            errors = errors_by_field(exc)
    return render_template("pages/share_new.html", chosen=chosen, file_ids=file_ids,
                           folder_ids=folder_ids, errors=errors, created=created,
                           form=request.form, share_url=share_url), 422 if errors else 200


@bp.post("/links/<id:share_id>/edit")
@page_login_required
def edit_link(share_id: int):
    """The Edit form of a link on My links: same token, new options and items."""
    user = require_user()
    share = shares.get_owned(user.id, share_id)
    try:
        changes = _options(request.form, editing=True)
        if share.file_id is None:  # the items left checked stay
            kept = set(request.form.getlist("items"))
            changes["file_ids"] = [i.file_id for i in share.items
                                   if i.file_id and f"file-{i.file_id}" in kept]
            changes["folder_ids"] = [i.folder_id for i in share.items
                                     if i.folder_id and f"folder-{i.folder_id}" in kept]
        shares.change(user.id, share_id, **changes)
    except AppError as exc:
        items = shares.list_for(user.id)
        return render_template(
            "pages/links.html", shares=items, state=shares.state, share_url=share_url,
            show="", query="", items_of=share_items.top_or_empty,
            errors=errors_by_field(exc), editing=share_id), exc.status
    flash(_("The link was changed; it is the same link."), "success")
    return redirect(url_for("web.my_links", _anchor=f"link-{share_id}"))
