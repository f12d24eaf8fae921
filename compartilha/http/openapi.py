"""What the OpenAPI document says of every operation, beyond each route's own `@bp.doc`:
an `operationId` (the view's name: generated clients name their functions after it), the
400 any request can get, the challenge a 401 carries, and ids in paths as the integers
the id converter accepts."""

from __future__ import annotations

import re
from typing import Any

from apiflask import APIFlask

from . import scopes
from .converters import ID_SCHEMA
from .identity import BEARER

# Where the view's own name would not say what the operation does.
OPERATION_IDS = {"api.me": "get_me", "api.upload": "upload_file",
                 "api.download": "download_file", "health.healthz": "health"}
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}
BAD_REQUEST = {"description": "a malformed request: JSON that does not parse, a body over "
                              "1 MiB or nested too deep, a Host not in TRUSTED_HOSTS",
               "content": ERROR}
CHALLENGE = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}
SKIPPED = {"HEAD", "OPTIONS"}
# `<id:…>` in the routes (http.converters)
ID_PARAMETERS = {"file_id", "share_id", "user_id", "webhook_id", "token_id"}
THROTTLED_429 = ("too many failed API token authentications from this address "
                "(RATELIMIT_TOKEN_MISS)")


def _operations(app: APIFlask, spec: dict[str, Any]):
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<([^<:]+:)?", "{", rule.rule).replace(">", "}")
        for method in sorted((rule.methods or set()) - SKIPPED):
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is not None:
                yield rule.endpoint, operation


# What one field's schema cannot say: a new link holds at least one file or folder.
SCHEMA_RULES = {"SharesIn": {"anyOf": [
    {"type": "object", "required": [name], "properties": {name: {
        "type": "array", "minItems": 1, "items": {"type": "integer"}}}}
    for name in ("file_ids", "folder_ids")]}}


# Bodies whose schema lets unknown keys through to the service, which refuses them with
# its own code (a setting that does not exist: unknown_setting): none is accepted.
CLOSED = ("SettingsIn",)


def _body_required(spec: dict[str, Any], operation: dict[str, Any]) -> None:
    """A body with required fields is itself required (an empty request gets 422)."""
    body = operation.get("requestBody")
    if body is None:
        return
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        name = ref.rpartition("/")[2]
        schema = spec.get("components", {}).get("schemas", {}).get(name, {})
        if schema.get("required") or name in SCHEMA_RULES:
            body["required"] = True


def _complete(endpoint: str, operation: dict[str, Any]) -> None:
    operation.setdefault("operationId",
                         OPERATION_IDS.get(endpoint, endpoint.rpartition(".")[2]))
    responses = operation.setdefault("responses", {})
    responses.setdefault("400", BAD_REQUEST)
    if "401" in responses:
        responses["401"].setdefault("headers", {}).update(CHALLENGE)
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter["name"] in ID_PARAMETERS:
            parameter["schema"] = dict(ID_SCHEMA)
    if any(BEARER in need for need in operation.get("security", [])):
        _token_answers(endpoint, responses)


def _say(responses: dict[str, Any], status: str, text: str) -> None:
    if status in responses:
        responses[status]["description"] += f"; or {text}"
    else:
        responses[status] = {"description": text, "content": ERROR}


def _token_answers(endpoint: str, responses: dict[str, Any]) -> None:
    """What a personal API token can be told on any route (http.scopes)."""
    needed = scopes.scope_for(endpoint)
    _say(responses, "403", f"an API token without the scope `{needed}` (`scope_missing`)"
         if needed else "an API token: only a signed-in session may do this "
                        "(`session_required`)")
    _say(responses, "429", THROTTLED_429)



def init_app(app: APIFlask) -> None:
    @app.spec_processor
    def complete(spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
        if isinstance(spec, dict):
            for endpoint, operation in _operations(app, spec):
                _complete(endpoint, operation)
                _body_required(spec, operation)
            for name, rules in SCHEMA_RULES.items():
                spec.get("components", {}).get("schemas", {}).get(name, {}).update(rules)
            for name in CLOSED:
                spec.get("components", {}).get("schemas", {}).get(name, {}).update(
                    additionalProperties=False)
        return spec
