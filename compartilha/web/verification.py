"""The pages of mailed links: verify an address, ask for another link, forgot password,
choose a new one. The token arrives in the link's fragment (never sent to a server, so no
log holds it); `token-link.js` copies it into the form, which posts it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import AppError
from ..http import rate_limits
from ..http.identity import load_user, require_user
from ..services import password_login, verification
from . import bp
from .helpers import here, page_login_required, safe_next
from .messages import errors_by_field, for_error


def check_mail(kind: str, email: str, status: int = 200):
    """The "check your mail" page: after a sign-up (`signup`) or a reset request (`reset`)."""
    return render_template("pages/check_mail.html", kind=kind, email=email), status


@bp.route("/verify", methods=["GET", "POST"])
def verify_email():
    if request.method == "GET":
        return render_template("pages/verify.html", error=None)
    try:
        verification.verify(request.form.get("token", ""))
    except AppError as exc:
        return render_template("pages/verify.html", error=for_error(exc)), exc.status
    flash(_("Your email address is confirmed. Thank you!"), "success")
    signed_in = load_user() is not None
    return redirect(url_for("web.my_files" if signed_in else "web.login"))


@bp.post("/verify/resend")
@page_login_required
def resend_verification():
    user = require_user()
    try:
        verification.resend(user)
    except AppError as exc:
        flash(for_error(exc), "error")
    else:
        flash(_("We sent a new link to %(address)s. It works for 48 hours.",
                address=user.email), "success")
    return redirect(safe_next(request.form.get("next") or here()))


@bp.route("/forgot", methods=["GET", "POST"])
@rate_limits.password_reset
def forgot_password():
    password_login.require()  # 403 page when PASSWORD_LOGIN=0
    if request.method == "GET":
        return render_template("pages/forgot.html", email="", errors={})
    email = request.form.get("email", "").strip()
    if not email:
        return render_template("pages/forgot.html", email=email,
                               errors={"email": _("Type the email address of your account.")}
                               ), 422
    verification.request_reset(email)
    return check_mail("reset", email)


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    password_login.require()
    if request.method == "GET":
        return render_template("pages/reset.html", errors={})
    try:
        verification.confirm_reset(request.form.get("token", ""),
                                   request.form.get("new_password", ""))
    except AppError as exc:
        return render_template("pages/reset.html", errors=errors_by_field(exc)), exc.status
    flash(_("Your password was changed and every session was logged out. Log in with "
            "the new one."), "success")
    return redirect(url_for("web.login"))
