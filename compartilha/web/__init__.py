"""Server-rendered pages; they call the same services as the API."""

from typing import cast

from flask import Blueprint, Flask, flash, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..http.identity import enrolling, load_user, two_step_due
from . import helpers, i18n

bp = Blueprint("web", __name__)
bp.app_context_processor(helpers.page_context)


def _forms_from_our_pages() -> None:
    if request.blueprint == "web" and request.method not in ("GET", "HEAD", "OPTIONS"):
        helpers.same_origin()


_ASSETS = {"web.static", "web.branding_css", "web.branding_logo"}  # the pages' own parts


def _two_step_first() -> Response | None:
    """An account the instance requires two-step sign-in of goes to set it up first."""
    if request.blueprint != "web" or request.endpoint in _ASSETS or enrolling():
        return None
    if load_user() is None or not two_step_due():
        return None
    flash(_("This site requires two-step sign-in: set it up to continue."), "error")
    return redirect(url_for("web.two_step"))


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    i18n.init_app(app)
    # On the app, not `bp.before_request`: APIFlask's spec expects only APIBlueprints there.
    app.before_request(_forms_from_our_pages)
    app.before_request(_two_step_first)


from . import (  # noqa: E402,F401
    accounts,
    admin,
    api_tokens,
    audit,
    branding,
    file_requests,
    files,
    home,
    invitations,
    notifications,
    oidc,
    passkeys,
    public,
    request_pages,
    request_uploads,
    sessions,
    settings,
    shares,
    two_step,
    verification,
)

__all__ = ["bp"]
