"""Structured JSON logs of security events, with secrets masked.

Every record is one JSON object per line, so a name with CR/LF or quotes in it is
escaped by the encoder and cannot forge a line. Passwords and tokens are never passed
to the logger; emails are masked and share links are named by id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context, request

from .public_paths import masked

events = logging.getLogger("compartilha.events")
_SECRET_KEYS = {"password", "senha", "token", "access_token", "authorization", "cookie",
                "link", "csrf_token", "current_password", "new_password"}
_JWT_RE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
_SINKS = "compartilha.log_sinks"

Sink = Callable[[str, dict[str, Any]], None]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _JWT_RE.sub("[token]", value)[:500]
    return value


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _clean(record.getMessage()),
        }
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = "[masked]" if key in _SECRET_KEYS else _clean(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def event(name: str, **fields: Any) -> None:
    """Log a security event (login, share opened, ...) with request context."""
    if has_request_context():
        fields.setdefault("ip", request.remote_addr)
        fields.setdefault("method", request.method)
        fields.setdefault("path", masked(request.path))
    events.info(name, extra={"fields": fields})
    if has_app_context():
        for sink in current_app.extensions.get(_SINKS, ()):
            try:
                sink(name, dict(fields))
            except Exception:  # a sink's failure must not fail what is being logged
                events.exception("log sink %r failed on %s", sink, name)


def add_sink(app: Flask, sink: Sink) -> None:
    """Also hand every event of `app` to `sink(name, fields)` (the audit log): kept per
    app, so that this layer imports nothing above it and two apps never share sinks."""
    sinks = app.extensions.setdefault(_SINKS, [])
    if sink not in sinks:
        sinks.append(sink)


def init_app(app: Flask) -> None:
    root = logging.getLogger("compartilha")
    if not any(isinstance(h.formatter, JSONFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter())
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
