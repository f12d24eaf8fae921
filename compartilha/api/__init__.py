"""The JSON API under /api/v1; its OpenAPI document is generated from these routes."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")

from . import accounts, files, health, shares, tus  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
