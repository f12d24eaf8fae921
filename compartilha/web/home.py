"""The home page and the language switch."""

from flask import redirect, render_template, request

from . import bp
from .helpers import safe_next
from .i18n import LANG_COOKIE, LANGUAGES

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def index():
    return render_template("pages/index.html")


@bp.get("/language/<code>")
def language(code: str):
    """Remember the reader's language in a cookie and go back to the same page."""
    response = redirect(safe_next(request.args.get("next"), "/"))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, samesite="Lax",
                            secure=request.is_secure, httponly=True, path="/")
    return response
