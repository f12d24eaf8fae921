"""Storage chosen by STORAGE_URL: `file:///path` or `s3://bucket/prefix`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app

from .interface import Storage, Writer
from .local import LocalStorage

__all__ = ["Storage", "Writer", "from_url", "get_storage", "init_app"]


def from_url(url: str, options: Mapping[str, Any] | None = None) -> Storage:
    """The storage behind a URL; `options` is the app config (S3_ENDPOINT_URL,
    S3_UPLOAD_CONCURRENCY)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalStorage(parsed.netloc + parsed.path)
    if parsed.scheme == "s3":
        from .s3 import S3Storage  # boto3 loads only when S3 is used

        options = options or {}
        return S3Storage(parsed.netloc, parsed.path,
                         endpoint_url=options.get("S3_ENDPOINT_URL"),
                         upload_concurrency=int(options.get("S3_UPLOAD_CONCURRENCY") or 4))
    raise ValueError(f"unsupported STORAGE_URL scheme: {parsed.scheme!r}")


def init_app(app: Flask) -> None:
    app.extensions["storage"] = from_url(app.config["STORAGE_URL"], app.config)


def get_storage() -> Storage:
    return current_app.extensions["storage"]
