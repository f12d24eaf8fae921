"""The tus operations in the OpenAPI document: the headers they take and answer, their
bodies (bytes as application/offset+octet-stream, never JSON), and the HEAD and OPTIONS
operations, which APIFlask leaves out of the document it generates from the routes."""

from __future__ import annotations

from typing import Any

from ..http.openapi import BAD_REQUEST, CHALLENGE

OFFSET_TYPE = "application/offset+octet-stream"
COLLECTION, ITEM = "/api/v1/uploads", "/api/v1/uploads/{token}"
INTEGER, STRING = {"type": "integer", "minimum": 0}, {"type": "string"}
BYTES = {"content": {OFFSET_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}}
TOKEN = {"in": "path", "name": "token", "required": True,
         "schema": {"type": "string", "minLength": 32, "maxLength": 32}}


def _header(name: str, description: str, schema: dict[str, Any] = STRING,
            required: bool = False) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": required, "schema": schema,
            "description": description}


RESUMABLE = _header("Tus-Resumable", "the protocol version", {"type": "string",
                                                              "enum": ["1.0.0"]}, True)
METADATA = _header("Upload-Metadata", "comma-separated `key base64(value)`: `filename`, "
                   "`filetype`")
CHECKSUM = _header("Upload-Checksum", "`sha256 <base64>` or `sha1 <base64>` of this body")
OFFSET = _header("Upload-Offset", "bytes the server holds (where this body starts)", INTEGER,
                 True)


def _answers(*names: str) -> dict[str, Any]:
    described = {
        "Location": ("the upload's URL", STRING), "Upload-Offset": ("bytes held", INTEGER),
        "Upload-Length": ("the upload's size", INTEGER),
        "Upload-Expires": ("when it expires (RFC 9110 date)", STRING),
        "Upload-Metadata": ("`filename` and `filetype`, as stored", STRING),
        "Upload-Concat": ("`partial` for a partial upload", STRING),
        "Compartilha-File-Id": ("the file it became, once finished", INTEGER),
        "Tus-Resumable": ("1.0.0", STRING), "Tus-Version": ("1.0.0", STRING),
        "Tus-Extension": ("the extensions supported", STRING),
        "Tus-Max-Size": ("the largest upload (MAX_UPLOAD_BYTES)", INTEGER),
        "Tus-Checksum-Algorithm": ("sha256,sha1", STRING),
        "Retry-After": ("seconds until it may be tried again", INTEGER)}
    return {name: {"description": described[name][0], "schema": described[name][1]}
            for name in names}


def _errors(*statuses: tuple[str, str], body: bool = True) -> dict[str, Any]:
    return {status: {"description": text, **(ERROR if body else {})}
            for status, text in statuses}


def _head() -> dict[str, Any]:
    return {
        "operationId": "get_upload_offset", "summary": "tus offset",
        "description": "How many bytes the server holds: resume from Upload-Offset. A "
                       "finished upload answers Upload-Offset = Upload-Length until it "
                       "would have expired.",
        "security": [{"BearerAuth": []}], "tags": ["Api"],
        "parameters": [TOKEN, _header("Tus-Resumable", "the protocol version")],
        "responses": {"200": {"description": "the upload's state", "headers": _answers(
            "Upload-Offset", "Upload-Length", "Upload-Expires", "Upload-Metadata",
            "Upload-Concat", "Tus-Resumable")},
            "400": BAD_REQUEST, "401": {"description": "no valid token", "headers": CHALLENGE},
            **_errors(("404", "no such upload of mine"), ("410", "expired"), body=False)}}


def _options() -> dict[str, Any]:
    return {
        "operationId": "get_upload_capabilities", "summary": "tus discovery",
        "description": "What this tus server supports (no account needed).",
        "tags": ["Api"], "responses": {"204": {"description": "the server's tus support",
                                               "headers": _answers(
            "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size",
            "Tus-Checksum-Algorithm")}, "400": BAD_REQUEST}}


def document(spec: dict[str, Any]) -> dict[str, Any]:
    paths = spec["paths"]
    create, item = paths[COLLECTION]["post"], paths[ITEM]
    create["parameters"] = [RESUMABLE, _header(
        "Upload-Length", "the upload's size (not with `Upload-Concat: final;…`)", INTEGER),
        METADATA, CHECKSUM, _header(
            "Upload-Concat", "`partial`, or `final;<URL> <URL>…` to join partial uploads")]
    create["requestBody"] = {"required": False, "description": "the first bytes "
                             "(creation-with-upload)", **BYTES}
    create["responses"]["201"] = {"description": "created; Location is the upload's URL",
                                  "headers": _answers("Location", "Upload-Offset",
                                                      "Upload-Expires", "Compartilha-File-Id",
                                                      "Tus-Resumable")}
    create["responses"].update(_errors(("400", "a malformed tus header or Upload-Concat"),
                                       ("404", "a partial upload that is not mine")))
    item["patch"]["parameters"] = [TOKEN, RESUMABLE, OFFSET, CHECKSUM]
    item["patch"]["requestBody"] = {"required": True, "description": "the bytes (with "
                                    "Content-Length, or chunked)", **BYTES}
    item["patch"]["responses"]["204"]["headers"] = _answers(
        "Upload-Offset", "Upload-Expires", "Compartilha-File-Id", "Tus-Resumable")
    item["patch"]["responses"].update(_errors(("410", "expired"), ("412", "wrong Tus-Resumable"),
                                              ("411", "no Content-Length and not chunked"),
                                              ("413", "past Upload-Length"),
                                              ("415", "not application/offset+octet-stream")))
    item["delete"]["parameters"] = [TOKEN, RESUMABLE]
    item["delete"]["responses"]["204"] = {"description": "abandoned; its bytes are gone",
                                          "headers": _answers("Tus-Resumable")}
    item["delete"]["responses"].update(_errors(("412", "wrong Tus-Resumable")))
    item["post"]["parameters"] = [TOKEN, _header(
        "X-HTTP-Method-Override", "the method meant", {"type": "string",
                                                       "enum": ["PATCH", "DELETE"]}, True),
        RESUMABLE, _header("Upload-Offset", "with PATCH", INTEGER), CHECKSUM]
    item["post"]["requestBody"] = {"required": False, "description": "with PATCH: the bytes",
                                   **BYTES}
    item["post"]["responses"]["204"] = {"description": "as PATCH or DELETE",
                                        "headers": _answers("Upload-Offset", "Tus-Resumable")}
    item["post"]["responses"].update({status: answer for status, answer in
                                      item["patch"]["responses"].items() if status[0] == "4"})
    item["head"] = _head()
    paths[COLLECTION]["options"] = _options()
    return spec


def register(app: Any) -> None:
    """Run `document` after any spec processor set before (APIFlask keeps one)."""
    previous = getattr(app, "spec_callback", None)
    app.spec_callback = (
        (lambda spec: document(previous(spec))) if previous else document)
