"""Sign up, log in and log out: forms that start and end the cookie session."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import (
    AccountDisabled,
    AppError,
    InvalidCredentials,
    PasswordLoginDisabled,
    SecondStepExpired,
)
from ..http import rate_limits
from ..http.identity import (
    clear_session_cookies,
    client_address,
    current_session,
    load_user,
    require_user,
    set_session_cookies,
)
from ..services import accounts, password_login, registration, two_step
from . import bp
from .helpers import safe_next
from .messages import errors_by_field, for_error
from .verification import check_mail


def _start(user_email: str, password: str, next_url: str):
    result = accounts.login(user_email, password, client_address(), request.user_agent.string)
    if isinstance(result, accounts.SecondStep):
        return _second_step(result.mfa_token, result.methods, next_url)
    return _signed_in(result, next_url)


def _signed_in(result: accounts.LoginResult, next_url: str):
    response = redirect(next_url)
    set_session_cookies(response, result.token, result.session, result.expires_in)
    return response


def _second_step(mfa_token: str, methods: list[str], next_url: str, error: str = "",
                 recovery: bool = False, status: int = 200):
    # The second screen carries the step's token, never a cache's to keep.
    page = render_template("pages/login_two_step.html", mfa_token=mfa_token, methods=methods,
                           next_url=next_url, error=error, recovery=recovery)
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/login/two-step")
def login_two_step():
    """The second screen's form: a code from the app, or a recovery code."""
    next_url = safe_next(request.form.get("next"))
    token, recovery = request.form.get("mfa_token", "")[:128], request.form.get("recovery") == "1"
    try:
        result = accounts.login_with_code(token, request.form.get("code", ""), client_address(),
                                          request.user_agent.string)
    except (SecondStepExpired, AccountDisabled) as exc:
        return render_template("pages/login.html", next_url=next_url, error=for_error(exc),
                               signup=registration.mode()), exc.status
    except AppError as exc:  # a wrong code, or too many: the step stays usable
        methods = two_step.methods(accounts.pending_sign_in(token))
        page, _status, headers = _second_step(token, methods, next_url, for_error(exc), recovery)
        return page, exc.status, headers | exc.headers
    return _signed_in(result, next_url)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if load_user() is not None:
            return redirect(next_url)
        return render_template("pages/login.html", next_url=next_url,
                               expired=request.args.get("expired") == "1",
                               signup=registration.mode())
    email = request.form.get("email", "")
    try:
        return _start(email, request.form.get("password", ""), next_url)
    except (InvalidCredentials, AccountDisabled, PasswordLoginDisabled) as exc:
        return render_template("pages/login.html", next_url=next_url, email=email,
                               error=for_error(exc), signup=registration.mode()), exc.status


@bp.post("/login/two-step/switch")
def login_two_step_switch():
    """Between a code from the app and a recovery code; the step's token stays in forms."""
    next_url = safe_next(request.form.get("next"))
    token = request.form.get("mfa_token", "")[:128]
    try:
        methods = two_step.methods(accounts.pending_sign_in(token))
    except (SecondStepExpired, AccountDisabled) as exc:
        return render_template("pages/login.html", next_url=next_url, error=for_error(exc),
                               signup=registration.mode()), exc.status
    return _second_step(token, methods, next_url, recovery=request.form.get("recovery") == "1")


def _signup_page(form: dict[str, str], errors: dict[str, str], token: str) -> str:
    """The form, as the sign-up rules now stand (open, by invitation, closed), carrying
    the invitation of the link it was opened with."""
    terms = registration.terms(token or None)
    form.setdefault("email", terms.invitation_email or "")
    return render_template("pages/signup.html", form=form, errors=errors, terms=terms,
                           invitation=token if terms.invitation == "pending" else "")


@bp.route("/signup", methods=["GET", "POST"])
@rate_limits.register
def signup():
    password_login.require()  # 403 page when PASSWORD_LOGIN=0
    if request.method == "GET":
        token = request.args.get("invitation", "")[:255]
        # An invitation's token is in this page's address: no cache may keep it.
        return _signup_page({}, {}, token), 200, {"Cache-Control": "no-store"} if token else {}
    form = {k: request.form.get(k, "") for k in ("name", "email", "password", "invitation")}
    try:
        done = accounts.sign_up(form["name"], form["email"], form["password"],
                                str(get_locale() or "pt_BR"), form["invitation"][:255] or None)
    except AppError as exc:
        return _signup_page(form, errors_by_field(exc), form["invitation"][:255]), exc.status
    # No session yet: a taken address must get this very answer (its owner is mailed).
    return check_mail("signup", done.email)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":  # a link or a typed address asks; only the form logs out
        if load_user() is None:
            return redirect(url_for("web.index"))
        return render_template("pages/logout.html")
    response = redirect(url_for("web.index"))
    if load_user() is not None:
        require_user()  # checks the CSRF token of the form
        accounts.logout(current_session())
        flash(_("You have logged out. See you soon!"), "success")
    clear_session_cookies(response)
    return response
