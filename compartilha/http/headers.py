"""Security headers on every response; no caching of anything personal or secret."""

from __future__ import annotations

from flask import Flask, Response, g, request

from ..public_paths import is_token_path

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; media-src 'self' blob:; frame-src 'self'; "
       "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# Only features browsers recognise: Chromium logs an error on every page for an unknown
# one (`bluetooth`, and `interest-cohort` since FLoC was dropped).
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Anything answered to a signed-in caller, on the API, or under a secret link's token
    # stays out of caches.
    if (g.get("user") is not None or request.path.startswith("/api/")
            or is_token_path(request.path)):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
