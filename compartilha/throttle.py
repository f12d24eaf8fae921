"""Rate limits (Flask-Limiter): the keys and the configurable limits of each route."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request

from .extensions import client_address, limiter


def failed(response: Response) -> bool:
    """Count only failures, so people who type their password right are never throttled."""
    return response.status_code in (401, 403)


def configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def login_account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"login:{email.strip().lower() if isinstance(email, str) else ''}"


def share_link_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return f"link:{token}"


def share_client_key() -> str:
    return f"{client_address()}:{share_link_key()}"


login_per_account = limiter.limit(configured("RATELIMIT_LOGIN"), key_func=login_account_key,
                                  deduct_when=failed, scope="login-account")
login_per_client = limiter.limit(configured("RATELIMIT_LOGIN_CLIENT"), deduct_when=failed,
                                 scope="login-client")
register = limiter.limit(configured("RATELIMIT_REGISTER"), scope="register")
upload = limiter.limit(configured("RATELIMIT_UPLOAD"), scope="upload")
share_create = limiter.limit(configured("RATELIMIT_SHARE"), scope="share-create")
share_password_per_client = limiter.limit(
    configured("RATELIMIT_SHARE_PASSWORD"), key_func=share_client_key, methods=["POST"],
    deduct_when=failed, scope="share-password-client")
share_password_per_link = limiter.limit(
    configured("RATELIMIT_SHARE_PASSWORD_LINK"), key_func=share_link_key, methods=["POST"],
    deduct_when=failed, scope="share-password-link")
