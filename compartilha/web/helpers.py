"""What every page shares: the signed-in person, the CSRF token, safe redirects, headers."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import SQLAlchemyError

from ..errors import CsrfFailed, NotAuthenticated
from ..http.identity import csrf_for, load_user, require_user
from ..models.shares import MESSAGE_MAX
from ..services import branding, notifications, settings
from ..services.link_options import LINK_PASSWORD_MIN
from ..services.recipients import MAX_RECIPIENTS
from ..services.shares import MAX_DOWNLOADS_LIMIT
from ..services.validation import PASSWORD_MIN
from . import messages

# What the forms tell and check before sending: the services' own limits.
LIMITS = {"password_min": PASSWORD_MIN, "share_password_min": LINK_PASSWORD_MIN,
          "max_downloads": MAX_DOWNLOADS_LIMIT, "max_recipients": MAX_RECIPIENTS,
          "message_max": MESSAGE_MAX}


# Settings every page may need, read together: the brand and the forms' limits.
PAGE_SETTINGS = [*branding.BRAND_KEYS, "share_max_days", "max_upload_bytes",
                 "default_share_days", "default_max_downloads",
                 "users_may_create_upload_links", "users_may_create_public_links"]


def safe_next(value: str | None, default: str = "/files") -> str:
    """A local path only, so `next` can never send anyone to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return default
    return value


def here() -> str:
    """Where the person is, to come back after logging in."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return safe_next(urlsplit(request.referrer or "").path or None, request.path)


def page_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like `login_required`, but a missing or ended session leads to the login page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            require_user()
        except NotAuthenticated:
            expired = "1" if g.get("auth_error") else None
            return redirect(url_for("web.login", next=here(), expired=expired))
        return view(*args, **kwargs)

    return wrapped


def _ours() -> set[str]:
    public = current_app.config["PUBLIC_URL"]
    return {request.host.lower()} | ({urlsplit(public).netloc.lower()} if public else set())


def same_origin() -> None:
    """Every form post must come from our own pages (403 otherwise, before any cookie).

    The CSRF token guards forms with a session; this also guards those without one (log
    in, sign up, a link's password), where a foreign page could otherwise sign a victim
    into the attacker's account. `Origin: null` (a sandboxed frame, a data: URL) is
    foreign. Without Origin the Referer decides; a post with neither comes from no page
    (a script, an old browser) and is left to the session's CSRF token."""
    origin = request.headers.get("Origin")
    if origin is None:
        origin = request.headers.get("Referer")
        if origin is None:
            return
    if urlsplit(origin).netloc.lower() not in _ours():
        raise CsrfFailed()


def page_context() -> dict[str, Any]:
    try:
        user = load_user()
    except SQLAlchemyError:  # the error page for a database outage must still render
        user = None
    token = csrf_for(g.session) if user is not None else ""
    try:  # the header's count: a page still renders without it
        unread = notifications.unread_count(user.id) if user is not None else 0
    except SQLAlchemyError:
        unread = 0
    try:  # one query for the instance's name, colours and the forms' limits
        found = settings.values(PAGE_SETTINGS)
    except SQLAlchemyError:
        found = {key: settings.default(key) for key in PAGE_SETTINGS}
    return {"current_user": user, "csrf_token": token, "error_page": messages.error_page,
            "unread_notifications": unread, "has_page": _has_page,
            "brand": branding.brand(found), "site_name": found["site_name"],
            "expiry_choices": expiry_choices,
            "limits": LIMITS | {key: found[key] for key in PAGE_SETTINGS
                                if key not in branding.BRAND_KEYS}}


def expiry_choices(default_days: int | None) -> list[tuple[str, str]]:
    """A new link's expiry choices (seconds ahead), with the instance's default among
    them (default_share_days) when it is none of the usual ones."""
    choices = [("never", _("Never")), ("3600", _("In 1 hour")), ("86400", _("In 1 day")),
               ("604800", _("In 7 days")), ("2592000", _("In 30 days"))]
    if default_days and str(default_days * 86400) not in dict(choices):
        choices.append((str(default_days * 86400),
                        ngettext("In %(num)d day", "In %(num)d days", default_days)))
        choices[1:] = sorted(choices[1:], key=lambda choice: int(choice[0]))
    return choices


def _has_page(endpoint: str) -> bool:
    """Whether a page exists (the admin tabs show only the pages this build has)."""
    return endpoint in current_app.view_functions


def qr_response(url: str) -> Response:
    """`url` as a QR code (SVG), drawn on the server so no script or third party is
    involved: share links' and upload links' alike."""
    import segno  # only here: ~1 MiB that no other page needs

    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, dark="#111827", light="#ffffff", xmldecl=False,
        svgns=True, title="QR code")
    response = current_app.response_class(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
