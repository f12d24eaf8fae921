"""Account: change the password (the session goes on with a fresh token), delete the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import clear_session_cookies, require_user, set_session_cookies
from ..services import accounts
from . import bp
from .helpers import page_login_required
from .messages import for_error


def _page(errors: dict[str, str] | None = None, status: int = 200, error: AppError | None = None):
    # The error's headers too: a 429 tells when to try again (Retry-After).
    headers = error.headers if error is not None else {}
    return render_template("pages/account.html", errors=errors or {}), status, headers


@bp.get("/account")
@page_login_required
def account():
    return _page()


@bp.post("/account/password")
@page_login_required
def change_password():
    user = require_user()
    try:
        accounts.change_password(user, request.form.get("current_password", ""),
                                 request.form.get("new_password", ""))
    except AppError as exc:
        return _page({exc.field or "password_form": for_error(exc)}, exc.status, exc)
    # Every older session ends; this browser carries on with a new one.
    result = accounts.start_session(user, request.remote_addr or "", request.user_agent.string)
    flash(_("Your password was changed. Other sessions were logged out."), "success")
    response = redirect(url_for("web.account"))
    set_session_cookies(response, result.token, result.session, result.expires_in)
    return response


@bp.post("/account/delete")
@page_login_required
def delete_account():
    user = require_user()
    if request.form.get("confirm") != "yes":
        return _page({"confirm": _("Tick the box to confirm that you want to delete everything.")},
                     422)
    try:
        accounts.delete_account(user, request.form.get("password", ""))
    except AppError as exc:
        return _page({exc.field or "delete_form": for_error(exc)}, exc.status, exc)
    flash(_("Your account, files and links were deleted."), "success")
    response = redirect(url_for("web.index"))
    clear_session_cookies(response)
    return response
