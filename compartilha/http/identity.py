"""Who is calling: the session token from `Authorization: Bearer` or the HttpOnly cookie,
or, on the API (/api/v1/...), a personal API token (`Bearer cmp_…`), whose scopes
`scopes.require` checks for every route it reaches (a session may reach them all).

A cookie is sent by the browser on its own, so a cookie-authenticated request that
changes state must also prove it came from our pages with the session's CSRF token.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .. import crypto
from ..errors import CsrfFailed, NotAuthenticated, TwoStepRequired
from ..models import Session, User
from ..services import accounts, api_tokens, roles, two_step
from . import scopes

SESSION_COOKIE = "compartilha_session"
CSRF_COOKIE = "compartilha_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The OpenAPI security scheme of routes that need a session (`@bp.doc(security=BEARER)`).
BEARER = "BearerAuth"
# Where an account the instance requires two-step sign-in of, and that has none yet, may
# still go: who am I, setting a code app or a passkey up, signing out (API and pages).
ENROLMENT_PATHS = ("/api/v1/me/totp", "/api/v1/me/passkeys", "/api/v1/auth/logout",
                   "/account/two-step", "/account/passkeys", "/logout")
SECURITY_SCHEMES = {BEARER: {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT or cmp_ token",
    "description": "A session's token (the `access_token` of `POST /api/v1/auth/login`, "
                   "a JWT), which reaches every route, or a personal API token "
                   "(`cmp_` and 43 base64url characters, made at `POST /api/v1/me/tokens` "
                   "or on the API tokens page), which reaches only the routes of its "
                   "scopes: 403 `scope_missing` (naming the scope in `field`) for a scope "
                   "it lacks, 403 `session_required` on the routes only a session may use "
                   "(tokens, password, email, two-step, passkeys, sessions, account "
                   "deletion, administration)."}}
API_PREFIX = "/api/v1/"


def client_address() -> str:
    # remote_addr is the socket peer unless ProxyFix was told to trust a proxy.
    return request.remote_addr or "unknown"


def _secure() -> bool:
    setting = current_app.config["COOKIE_SECURE"]
    return request.is_secure if setting == "auto" else setting == "1"


def cookie_name(base: str) -> str:
    # __Host- binds the cookie to this exact origin when we are on HTTPS.
    return f"__Host-{base}" if _secure() else base


def _token_from_request() -> tuple[str | None, str]:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        return (value.strip() if scheme.lower() == "bearer" else ""), "bearer"
    for name in (f"__Host-{SESSION_COOKIE}", SESSION_COOKIE):
        if name in request.cookies:
            return request.cookies[name], "cookie"
    return None, ""


def load_user() -> User | None:
    """Authenticate once per request; a bad token counts as no token for optional auth."""
    if "auth_done" not in g:
        g.auth_done = True
        g.user, g.session, g.auth_via, g.auth_error = None, None, "", None
        g.api_token = None
        token, via = _token_from_request()
        if (token is not None and via == "bearer" and api_tokens.looks_like_token(token)
                and request.path.startswith(API_PREFIX)):
            try:  # a personal API token: no session (g.session stays None)
                g.user, g.api_token = api_tokens.authenticate(token, client_address())
                g.auth_via = "api_token"
            except NotAuthenticated as exc:
                g.auth_error = exc
        elif token is not None:
            try:
                g.user, g.session = accounts.authenticate(token)
                g.auth_via = via
            except NotAuthenticated as exc:
                g.auth_error = exc
    return g.user


def require_user() -> User:
    user = load_user()
    if user is None:
        raise g.auth_error or NotAuthenticated()
    if g.auth_via == "api_token":
        scopes.require(g.api_token, request.endpoint)
    elif g.auth_via == "cookie" and request.method not in SAFE_METHODS:
        check_csrf(g.session)
    if two_step_due() and not enrolling():
        raise TwoStepRequired()
    return user


def two_step_due() -> bool:
    """Must the signed-in account set two-step sign-in up first (decided once a request;
    an API token's owner counts as much as a session's)?"""
    if "two_step_due" not in g:
        user = load_user()
        method = g.session.method if g.session is not None else None
        g.two_step_due = user is not None and two_step.due(user, method)
    return bool(g.two_step_due)


def enrolling() -> bool:
    return request.path == "/api/v1/me" or request.path.startswith(ENROLMENT_PATHS)


def current_session() -> Session:
    return g.session


def csrf_for(session: Session) -> str:
    return crypto.csrf_token(current_app.config["SECRET_KEY"], session.jti)


def check_csrf(session: Session) -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent.encode(), csrf_for(session).encode()):
        raise CsrfFailed()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_user()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """401 for nobody, 403 `admin_only` for a user; the services check the role again."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        roles.require_admin(require_user())
        return view(*args, **kwargs)

    return wrapped


def set_session_cookies(response: Response, token: str, session: Session, max_age: int) -> None:
    secure = _secure()
    response.set_cookie(cookie_name(SESSION_COOKIE), token, max_age=max_age, httponly=True,
                        secure=secure, samesite="Lax", path="/")
    # Readable by our own scripts, which echo it in the CSRF header.
    response.set_cookie(cookie_name(CSRF_COOKIE), csrf_for(session), max_age=max_age,
                        httponly=False, secure=secure, samesite="Strict", path="/")


def clear_session_cookies(response: Response) -> None:
    for base in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(cookie_name(base), path="/", secure=_secure())


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only then is X-Forwarded-For believed, and only for that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=proxies)
