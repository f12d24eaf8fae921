"""The passkeys page (/account/passkeys): my passkeys with their names, when they were
added and last used; rename and remove by form. Adding one is a WebAuthn ceremony the
page's script (static/js/passkeys.js) runs through the API; so is signing in with one
from the login page and the second-step screen (templates/_passkey_step.html)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import require_user
from ..services import passkeys
from . import bp
from .helpers import page_login_required
from .messages import for_error


@bp.get("/account/passkeys", endpoint="passkeys")
@page_login_required
def passkeys_page():
    user = require_user()
    return render_template("pages/passkeys.html", passkeys=passkeys.listed(user.id),
                           has_totp=user.totp_confirmed_at is not None,
                           added=request.args.get("added") == "1")


@bp.post("/account/passkeys/<id:passkey_id>/rename")
@page_login_required
def passkey_rename(passkey_id: int):
    try:
        passkeys.rename(require_user(), passkey_id, request.form.get("name", ""))
        flash(_("The passkey was renamed."), "success")
    except AppError as exc:
        flash(for_error(exc), "error")
    return redirect(url_for("web.passkeys"))


@bp.post("/account/passkeys/<id:passkey_id>/remove")
@page_login_required
def passkey_remove(passkey_id: int):
    try:
        passkeys.remove(require_user(), passkey_id)
        flash(_("The passkey was removed; it no longer signs in."), "success")
    except AppError as exc:
        flash(for_error(exc), "error")
    return redirect(url_for("web.passkeys"))
