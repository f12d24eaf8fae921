"""Account: name and email, signed-in sessions, change the password (the session goes on
with a fresh token), delete the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..errors import AppError
from ..http.identity import (
    clear_session_cookies,
    current_session,
    require_user,
    set_session_cookies,
)
from ..services import accounts, invitations, password_login, quotas
from . import bp
from .helpers import page_login_required
from .messages import for_error

DEVICES = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device(user_agent: str) -> str:
    """"Firefox · Windows" from a User-Agent, enough to tell one's own devices apart."""
    browser = next((name for mark, name in DEVICES if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or user_agent[:60]


def _page(errors: dict[str, str] | None = None, status: int = 200, error: AppError | None = None,
          form: dict[str, str] | None = None):
    # The error's headers too: a 429 tells when to try again (Retry-After).
    headers = error.headers if error is not None else {}
    this = current_session()  # listed first, then the others newest first
    sessions = sorted(accounts.sessions_of(require_user()), key=lambda s: s.jti != this.jti)
    return render_template("pages/account.html", errors=errors or {}, form=form or {},
                           sessions=sessions, this=this, device=device,
                           may_invite=invitations.may_invite(require_user()),
                           usage=quotas.usage(require_user().id),
                           has_password=password_login.has_password(require_user()),
                           ), status, headers


@bp.post("/account/profile")
@page_login_required
def update_profile():
    form = {k: request.form.get(k, "") for k in ("name", "email")}
    try:
        accounts.update_profile(require_user(), form["name"], form["email"],
                                request.form.get("profile_password", ""))
    except AppError as exc:
        # The delete form below has its own `password` field (and its errors).
        field = "profile_password" if exc.field == "password" else exc.field
        return _page({field or "profile_form": for_error(exc)}, exc.status, exc, form)
    flash(_("Your name and email were saved."), "success")
    return redirect(url_for("web.account"))


@bp.post("/account/sessions/<string(length=16):session_id>/end")
@page_login_required
def end_session(session_id: str):
    try:
        accounts.end_session(require_user(), session_id)
    except AppError as exc:
        return _page({"sessions": for_error(exc)}, exc.status, exc)
    flash(_("That session was signed out."), "success")
    return redirect(url_for("web.account", _anchor="sessions-title"))


@bp.post("/account/sessions/end-others")
@page_login_required
def end_other_sessions():
    ended = accounts.logout_others(require_user(), current_session())
    flash(ngettext("%(num)d other session was signed out.",
                   "%(num)d other sessions were signed out.", ended), "success")
    return redirect(url_for("web.account", _anchor="sessions-title"))


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
        # The box stays ticked: only the password was wrong.
        return _page({exc.field or "delete_form": for_error(exc)}, exc.status, exc,
                     {"confirm": "yes"})
    flash(_("Your account, files and links were deleted."), "success")
    response = redirect(url_for("web.index"))
    clear_session_cookies(response)
    return response
