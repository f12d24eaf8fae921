"""Server-rendered pages; they call the same services as the API."""

from typing import cast

from flask import Blueprint, Flask, request
from flask.blueprints import BlueprintSetupState

from . import helpers, i18n

bp = Blueprint("web", __name__)
bp.app_context_processor(helpers.page_context)


def _forms_from_our_pages() -> None:
    if request.blueprint == "web" and request.method not in ("GET", "HEAD", "OPTIONS"):
        helpers.same_origin()


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    i18n.init_app(app)
    # On the app, not `bp.before_request`: APIFlask's spec expects only APIBlueprints there.
    app.before_request(_forms_from_our_pages)


from . import (  # noqa: E402,F401
    accounts,
    admin,
    audit,
    branding,
    file_requests,
    files,
    home,
    invitations,
    notifications,
    oidc,
    public,
    request_pages,
    request_uploads,
    sessions,
    settings,
    shares,
    verification,
)

__all__ = ["bp"]
