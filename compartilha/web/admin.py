"""The admin pages: accounts (search, sort, role, disable, quota, sessions, reset, delete).
They call `services.admin`, as the API does; a user gets the 403 page, nobody the login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError, InvalidField
from ..http.identity import require_user
from ..services import admin, roles
from . import bp
from .helpers import page_login_required
from .messages import for_error

MB = 1024 * 1024
PER_PAGE = 50  # accounts a page of /admin/users shows


def page_admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        roles.require_admin(require_user())
        return view(*args, **kwargs)

    return page_login_required(wrapped)


@bp.get("/admin/users")
@page_admin_required
def admin_users():
    sort = request.args.get("sort", "created")
    order = request.args.get("order", "asc")
    q = request.args.get("q", "").strip() or None
    number = request.args.get("page", 1, type=int) or 1
    try:
        page = admin.list_users(require_user(), q, sort, order, max(1, number), PER_PAGE)
    except InvalidField:
        sort, order = "created", "asc"
        page = admin.list_users(require_user(), q, sort, order, 1, PER_PAGE)
    pages = max(1, -(-page.total // PER_PAGE))
    return render_template("pages/admin_users.html", page=page, q=q or "", sort=sort,
                           order=order, sorts=admin.SORTS, mb=MB, pages=pages,
                           totals=admin.totals(require_user()))


def _quota(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return round(float(value.replace(",", ".")) * MB)
    except ValueError as exc:
        raise InvalidField("A quota is between 0 and %(max)d bytes.", field="quota_bytes",
                           params={"max": admin.QUOTA_MAX}) from exc


def _quota_files(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError as exc:
        raise InvalidField("A file quota is between 0 and %(max)d files.",
                           field="quota_files", params={"max": admin.QUOTA_FILES_MAX}) from exc


def _act(actor: Any, user_id: int, action: str) -> str:
    if action == "delete":
        admin.delete(actor, user_id)
        return _("The account was deleted.")
    if action == "sessions":
        admin.end_sessions(actor, user_id)
        return _("The account was signed out everywhere.")
    if action == "reset":
        admin.send_reset(actor, user_id)
        return _("A password reset link was mailed.")
    if action == "two_step":  # a lost phone and lost recovery codes
        admin.change(actor, user_id, remove_two_step=True)
        return _("Two-step sign-in was removed from the account.")
    if action in ("disable", "enable"):
        admin.change(actor, user_id, disabled=action == "disable")
    elif action in roles.ROLES:
        admin.change(actor, user_id, role=action)
    elif action == "quota":
        admin.change(actor, user_id, quota_bytes=_quota(request.form.get("quota_mb", "")),
                     quota_files=_quota_files(request.form.get("quota_files", "")))
    else:
        raise InvalidField("Choose an action.", field="action")
    return _("Saved.")


@bp.post("/admin/users/<id:user_id>")
@page_admin_required
def admin_user_action(user_id: int):
    try:
        flash(_act(require_user(), user_id, request.form.get("action", "")), "success")
    except AppError as exc:
        flash(for_error(exc), "error")
    return redirect(url_for("web.admin_users", q=request.args.get("q") or None))
