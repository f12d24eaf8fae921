"""Storage chosen by STORAGE_URL: `file:///path` (S3 later, as one more module)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Flask, current_app

from .base import Storage, Writer
from .local import LocalStorage

__all__ = ["Storage", "Writer", "from_url", "get_storage", "init_app"]


def from_url(url: str) -> Storage:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(parsed.netloc + parsed.path)
    raise ValueError(f"unsupported STORAGE_URL scheme: {parsed.scheme!r}")


def init_app(app: Flask) -> None:
    app.extensions["storage"] = from_url(app.config["STORAGE_URL"])


def get_storage() -> Storage:
    return current_app.extensions["storage"]
