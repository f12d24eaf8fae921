"""Server-rendered pages; they call the same services as the API."""

from flask import Blueprint, request

from . import helpers, i18n

bp = Blueprint("web", __name__)
bp.record_once(lambda state: i18n.init_app(state.app))
bp.app_context_processor(helpers.page_context)


def _forms_from_our_pages() -> None:
    if request.blueprint == "web" and request.method not in ("GET", "HEAD", "OPTIONS"):
        helpers.same_origin()


# On the app, not `bp.before_request`: APIFlask's spec expects only APIBlueprints there.
bp.record_once(lambda state: state.app.before_request(_forms_from_our_pages))


from . import accounts, files, home, public, sessions, shares  # noqa: E402,F401

__all__ = ["bp"]
