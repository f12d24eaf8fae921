"""The JSON API under /api/v1; its OpenAPI document is generated from these routes."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")

from . import (  # noqa: E402,F401  (routes register on bp)
    accounts,
    admin,
    api_tokens,
    audit,
    file_requests,
    files,
    folders,
    health,
    invitations,
    notifications,
    passkeys,
    shares,
    tus,
    tus_document,
    two_step,
    webhooks,
)

# The tus operations' headers and bodies, which APIFlask cannot express, go into the document.
bp.record_once(lambda state: tus_document.register(state.app))

__all__ = ["bp"]
