"""Server-rendered pages; they call the same services as the API."""

from flask import Blueprint

from . import helpers, i18n

bp = Blueprint("web", __name__)
bp.record_once(lambda state: i18n.init_app(state.app))
bp.app_context_processor(helpers.page_context)

from . import account, files, public, sessions, shares, views  # noqa: E402,F401

__all__ = ["bp"]
