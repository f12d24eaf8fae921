"""The instance's stylesheet of accent colours and its logo, at fixed URLs (the pages
link them with a version, so a change shows on the next page of every server)."""

from __future__ import annotations

from flask import Response, abort, request
from werkzeug.wrappers import Response as Answer

from ..services import branding, settings
from . import bp

CACHE = "public, max-age=300"


def _cached(response: Response, etag: str) -> Answer:
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/branding.css")
def branding_css() -> Answer:
    accent = settings.value("accent_color")
    response = Response(branding.stylesheet(accent), mimetype="text/css")
    return _cached(response, branding.css_version(accent))


@bp.get("/branding/logo")
def branding_logo() -> Answer:
    """The admin's logo, as stored: its type read from its bytes when uploaded (PNG, JPEG
    or WebP), never run as a document (`default-src 'none'`)."""
    found = settings.logo()
    if found is None:
        abort(404)
    data, kind, etag = found
    response = Response(data, mimetype=kind)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Content-Disposition"] = "inline"
    return _cached(response, etag)
