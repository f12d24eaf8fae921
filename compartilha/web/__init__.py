"""Server-rendered pages; they call the same services as the API."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from . import public, views  # noqa: E402,F401

__all__ = ["bp"]
