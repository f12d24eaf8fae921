"""Single sign-on pages: off to the OpenID provider, and back (services.oidc)."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import AppError
from ..http.identity import client_address, set_session_cookies
from ..http.urls import external_url
from ..services import oidc
from . import bp
from .helpers import safe_next


def _callback_url() -> str:
    return external_url("web.oidc_callback")


def _message(exc: AppError) -> tuple[str, str]:
    """The error page's title and sentence, in the reader's language."""
    provider = oidc.provider_name()
    by_code = {
        "sso_not_configured": (_("Single sign-on is not set up"), _(
            "This site does not offer single sign-on. Log in with your email instead.")),
        "sso_email_unverified": (_("This account cannot be linked"), _(
            "An account here already uses this email, but %(provider)s does not say the "
            "address is verified, so it was not linked. Log in with your password, or ask "
            "an administrator.", provider=provider)),
        "sso_no_account": (_("No account for you here"), _(
            "No account here matches your %(provider)s identity, and none can be created "
            "for it. Ask an administrator.", provider=provider)),
        "account_disabled": (_("This account is disabled"), _(
            "This account is disabled; ask an administrator.")),
        "too_many_requests": (_("Too many attempts"), _(
            "Too many attempts. Wait a few minutes and try again.")),
    }
    return by_code.get(exc.code, (_("Single sign-on did not complete"), _(
        "The answer of %(provider)s could not be used (it may have expired or been used "
        "already). Start again from the sign-in page.", provider=provider)))


def _error_page(exc: AppError):
    title, text = _message(exc)
    headers = {"Cache-Control": "no-store", **exc.headers}
    return render_template("pages/sso_error.html", title=title, text=text,
                           status=exc.status, code=exc.code), exc.status, headers


@bp.get("/auth/oidc/login")
def oidc_login():
    """302 to the provider's sign-in, with a new state (PKCE, nonce)."""
    try:
        url = oidc.start(_callback_url(), safe_next(request.args.get("next")))
    except AppError as exc:
        return _error_page(exc)
    return redirect(url, 302)


@bp.get("/auth/oidc/callback")
def oidc_callback():
    """Back from the provider: a session, and on to where the sign-in started."""
    try:
        done = oidc.finish(request.args.to_dict(), _callback_url(), client_address(),
                           request.user_agent.string, str(get_locale() or "pt_BR"))
    except AppError as exc:
        return _error_page(exc)
    response = redirect(safe_next(done.next_url))
    set_session_cookies(response, done.result.token, done.result.session,
                        done.result.expires_in)
    return response
