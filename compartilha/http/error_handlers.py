"""Every error becomes one shape: `{"error": {"code", "message"}}` for API clients,
a friendly page for people. No stack trace reaches either."""

from __future__ import annotations

import logging

from apiflask.exceptions import HTTPError
from flask import Flask, jsonify, render_template, request
from flask_babel import format_decimal, gettext
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from ..errors import AppError, InvalidField, QuotaExceeded
from ..extensions import db
from . import field_errors
from .languages import filesize

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 410: "gone", 411: "length_required",
         413: "too_large", 415: "unsupported_media_type", 416: "range_not_satisfiable",
         422: "invalid_field", 429: "too_many_requests", 500: "internal_error",
         503: "unavailable", 507: "storage_full"}

# The shape in the OpenAPI document.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string"}, "details": {},
                       "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "every wrong field: a sentence in the "
                                                 "language of Accept-Language"}},
    }},
}


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    if (request.endpoint or "").startswith("web.request_tus_"):  # tus clients, scripts
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   details: object = None, fields: dict[str, str] | None = None,
                   headers: dict | None = None):
    if status == 401 and request.path.startswith("/api/"):
        # RFC 9110: a 401 names its scheme. (Link passwords, under /s/, are not one.)
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    if wants_json():
        body: dict = {"code": code, "message": message}
        if field:
            body["field"] = field
        if fields:
            body["fields"] = fields
        if details:
            body["details"] = details
        return jsonify({"error": body}), status, headers or {}
    page = render_template("error.html", status=status, code=code, message=message)
    return page, status, headers or {}


def quota_message(exc: QuotaExceeded) -> str:
    """The quota error in the reader's language, its sizes written their way (9,5 MB)."""
    if exc.visitor:
        return gettext(exc.template)
    if exc.files:
        return gettext(exc.template, used=format_decimal(exc.used),
                       quota=format_decimal(exc.quota))
    return gettext(exc.template, used=filesize(exc.used), quota=filesize(exc.quota))


def _first_field(detail: object) -> str | None:
    # APIFlask reports {"json": {"email": [...]}}: name the first offending field.
    if isinstance(detail, dict):
        for location in detail.values():
            if isinstance(location, dict) and location:
                return str(next(iter(location)))
    return None


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def app_error(exc: AppError):
        if isinstance(exc, InvalidField):
            fields = field_errors.fields_of(exc)
            return error_response(exc.status, exc.code, field_errors.summary(fields)
                                  if fields else field_errors.say(exc), field=exc.field,
                                  fields=fields, headers=exc.headers)
        if isinstance(exc, QuotaExceeded):
            return error_response(exc.status, exc.code, quota_message(exc),
                                  headers=exc.headers)
        return error_response(exc.status, exc.code, exc.message, field=exc.field,
                              headers=exc.headers)

    @app.errorhandler(HTTPError)
    def apiflask_error(exc: HTTPError):
        field = _first_field(exc.detail)
        message = exc.message or "Invalid request."
        fields = field_errors.from_schema(exc.detail) if exc.status_code == 422 else {}
        if fields:
            message = field_errors.summary(fields)
        return error_response(exc.status_code, CODES.get(exc.status_code, "error"), message,
                              field=field, details=exc.detail, fields=fields,
                              headers=dict(exc.headers or {}))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return error_response(exc.code or 500, CODES.get(exc.code or 500, "error"),
                              exc.description or exc.name, headers=headers)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # A Host outside TRUSTED_HOSTS: Flask has no URL adapter for it, so no page can be
        # rendered (it links its styles); the JSON shape, or plain text, names no host.
        message = "This server does not answer to that host name."
        if wants_json():
            return error_response(400, "untrusted_host", message)
        return app.response_class(message + "\n", status=400, mimetype="text/plain")

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError):
        log.error("database unavailable: %s", exc.__class__.__name__)
        db.session.rollback()
        return error_response(503, "database_unavailable",
                              "The database is unavailable; try again shortly.",
                              headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return database_down(exc)  # type: ignore[arg-type]
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")
