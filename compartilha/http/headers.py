"""HTTP-wide policies: security headers, trusted proxies and hosts, public URLs, safe JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "font-src 'self'; connect-src 'self'; media-src 'self' blob:; frame-src 'self'; "
       "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
PERMISSIONS = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
               "bluetooth=(), interest-cohort=()")
MAX_JSON_DEPTH = 32


class SafeJSONProvider(DefaultJSONProvider):
    """Refuses deeply nested JSON with a 400 instead of a RecursionError (a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        # Only bodies with many brackets can be deep: scan just those.
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return super().loads(s, **kwargs)


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


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
    # Anything answered to a signed-in caller, or about a share link, stays out of caches.
    if g.get("user") is not None or request.path.startswith(("/s/", "/api/")):
        headers["Cache-Control"] = "no-store"
    return response


def _parse_json_once() -> None:
    """Parse JSON bodies through SafeJSONProvider before any view or library sees them,
    so the depth limit holds whoever reads the body later (webargs parses on its own)."""
    if request.is_json and request.content_length:
        request.get_json()  # malformed or too deep: 400


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for links handed out (share links, tus `Location`).

    From PUBLIC_URL when it is set (required in production); otherwise from the request's
    host, which Flask has then checked against TRUSTED_HOSTS (config.trusted_hosts), so a
    forged `Host` is refused with 400 before it can name a link."""
    path = url_for(endpoint, **values)  # with the script root, if mounted under one
    public = current_app.config["PUBLIC_URL"]
    if public:
        return public + path[len(request.script_root):]
    return request.host_url.rstrip("/") + path


def init_app(app: Flask) -> None:
    app.json = SafeJSONProvider(app)
    app.before_request(_parse_json_once)
    app.after_request(_security_headers)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Only then is X-Forwarded-For believed, and only for that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=proxies)
