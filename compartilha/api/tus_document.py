"""The tus operations in the OpenAPI document: the headers they take and answer, their
bodies (bytes as application/offset+octet-stream, never JSON), and the HEAD and OPTIONS
operations, which APIFlask leaves out of the document it generates from the routes.
Also the public side of upload links (`/r/{token}/uploads`, `/r/{token}/files`): plain
Flask routes of the web blueprint, which APIFlask does not see at all."""

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
    paths.update(_upload_links())
    return spec


# --- upload links: anyone holding the link, no account (docs/upload-links.md) -----------

LINKS, LINK = "/r/{token}/uploads", "/r/{token}/uploads/{upload}"
LINK_TOKEN = {"in": "path", "name": "token", "required": True, "description": "the upload "
              "link's token", "schema": {"type": "string", "minLength": 43, "maxLength": 43,
                                         "pattern": "^[A-Za-z0-9_-]{43}$"}}
LINK_UPLOAD = {**TOKEN, "name": "upload", "description": "the upload's handle (its URL is "
               "the visitor's only handle on it)"}
RECEIPT = {"type": "object", "required": ["file"], "properties": {"file": {
    "type": "object", "description": "the receipt: the file as it was sent, nothing of the "
    "owner's", "required": ["name", "size", "type", "sha256", "created_at"], "properties": {
        "name": STRING, "size": INTEGER, "type": STRING, "sha256": STRING,
        "created_at": {"type": "string", "format": "date-time"}}}}}
RECEIPT_ANSWER = {"content": {"application/json": {"schema": RECEIPT}}}
PAGE = {"schema": {"type": "string", "description": "an HTML page"}}
LINK_ERRORS = (("401", "the link's password is missing or wrong (`password_required`, "
                "`wrong_share_password`)"),
               ("404", "no such link (`request_not_found`; misses are counted per client)"),
               ("410", "the link is revoked, expired or full (`request_revoked`, "
                "`request_expired`, `request_full`): the upload and its bytes are gone"))
LINK_METADATA = _header("Upload-Metadata", "comma-separated `key base64(value)`: "
                        "`filename`, `filetype`, `uploader_name`, `uploader_email` (when the "
                        "link asks for them), `password` (or the cookie the link's page "
                        "sets), `path` (a relative path below the link's folder)")


def _public(operation_id: str, summary: str, description: str, parameters: list,
            responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "summary": summary, "description": description,
            "tags": ["Upload links"], "security": [], "parameters": [LINK_TOKEN, *parameters],
            "responses": {"400": BAD_REQUEST, **responses}, **more}


def _upload_links() -> dict[str, Any]:
    """The paths of an upload link's visitor: tus and the one-request form upload."""
    rejected = _errors(("409", "Upload-Offset is not the server's"),
                       ("412", "wrong Tus-Resumable"), *LINK_ERRORS[1:],
                       ("413", "past Upload-Length"),
                       ("415", "not application/offset+octet-stream"),
                       ("460", "the body does not match Upload-Checksum"))
    created = _errors(*LINK_ERRORS, ("412", "wrong Tus-Resumable"),
                      ("413", "over the link's per-file limit, what its total leaves, or "
                       "MAX_UPLOAD_BYTES (`too_large`)"),
                      ("422", "a missing name or email the link asks for, a refused file "
                       "name or relative path"),
                      ("429", "throttled per address and per link, or too many unfinished "
                       "uploads on the link (`request_too_many_unfinished`)"))
    created["429"]["headers"] = _answers("Retry-After")
    patch_answer = {"description": "appended; the last byte records the file",
                    "headers": _answers("Upload-Offset", "Upload-Expires", "Tus-Resumable")}
    return {
        LINKS: {
            "options": _public(
                "get_link_upload_capabilities", "tus discovery (upload link)",
                "What this tus endpoint supports: creation, creation-with-upload, "
                "termination, checksum, expiration (not concatenation).", [],
                {"204": {"description": "the server's tus support", "headers": _answers(
                    "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size",
                    "Tus-Checksum-Algorithm")}}),
            "post": _public(
                "create_link_upload", "Start a tus upload through an upload link",
                "Every limit is checked here, before any byte: the link open, its "
                "password, the name and email it asks for, Upload-Length against its "
                "per-file limit and what its total leaves.",
                [RESUMABLE, _header("Upload-Length", "the upload's size", INTEGER, True),
                 LINK_METADATA, CHECKSUM],
                {"201": {"description": "created; Location is the upload's URL",
                         "headers": _answers("Location", "Upload-Offset", "Upload-Expires",
                                             "Tus-Resumable")}, **created},
                requestBody={"required": False, "description": "the first bytes "
                             "(creation-with-upload)", **BYTES})},
        LINK: {
            "head": _public(
                "get_link_upload_offset", "tus offset (upload link)",
                "How many bytes the server holds: resume from Upload-Offset. Re-checks the "
                "link: once it has ended, the unfinished upload goes (410).",
                [LINK_UPLOAD, RESUMABLE],
                {"200": {"description": "the upload's state", "headers": _answers(
                    "Upload-Offset", "Upload-Length", "Upload-Expires", "Tus-Resumable")},
                 **_errors(*LINK_ERRORS[1:], body=False)}),
            "get": _public(
                "get_link_upload_receipt", "The receipt of a finished upload",
                "The file a finished upload became, as the visitor sent it (404 until "
                "it is finished).", [LINK_UPLOAD],
                {"200": {"description": "the receipt", **RECEIPT_ANSWER},
                 **_errors(LINK_ERRORS[1])}),
            "patch": _public(
                "append_link_upload", "Append bytes (upload link)",
                "Bytes at Upload-Offset. Re-checks the link at every request: an upload "
                "in flight when the link is revoked or expires is refused (410).",
                [LINK_UPLOAD, RESUMABLE, OFFSET, CHECKSUM],
                {"204": patch_answer, **rejected},
                requestBody={"required": True, "description": "the bytes (with "
                             "Content-Length, or chunked)", **BYTES}),
            "delete": _public(
                "cancel_link_upload", "Abandon an upload (upload link)",
                "The unfinished upload goes with its bytes.", [LINK_UPLOAD, RESUMABLE],
                {"204": {"description": "abandoned; its bytes are gone",
                         "headers": _answers("Tus-Resumable")},
                 **_errors(("404", "no such upload of this link"),
                           ("412", "wrong Tus-Resumable"))}),
            "post": _public(
                "override_link_upload_method", "PATCH or DELETE sent as POST",
                "For clients that cannot send PATCH or DELETE.",
                [LINK_UPLOAD, _header("X-HTTP-Method-Override", "the method meant", {
                    "type": "string", "enum": ["PATCH", "DELETE"]}, True), RESUMABLE,
                 _header("Upload-Offset", "with PATCH", INTEGER), CHECKSUM],
                {"204": patch_answer, **rejected},
                requestBody={"required": False, "description": "with PATCH: the bytes",
                             **BYTES})},
        "/r/{token}/files": {"post": _with_pages(_public(
            "send_link_file", "Send one file through an upload link (form upload)",
            "One file in one request (curl, a form without scripts); refused before the "
            "body when a limit is already known to be crossed, and cut at the lower of "
            "MAX_UPLOAD_BYTES, the link's per-file limit and what its total leaves. "
            "Browsers asking for HTML get the receipt page.", [],
            {"201": {"description": "received: the receipt", **RECEIPT_ANSWER},
             **created},
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "uploader_name": {**STRING, "description": "when the link asks"},
                    "uploader_email": {**STRING, "description": "when the link asks"},
                    "password": {**STRING, "description": "when the link has one (or "
                                 "the cookie its page sets)"},
                    "path": {**STRING, "description": "a relative path ending in the "
                             "file's name (`Album/2026/foto.jpg`): its folders are made "
                             "below the link's; `..`, absolute paths and drive letters "
                             "are refused (422)"}}}}}}))},
    }


def _with_pages(operation: dict[str, Any]) -> dict[str, Any]:
    """A route browsers post to: unless the client asks for JSON (Accept), each answer
    with a body is the page saying it (the receipt, or what went wrong), in HTML."""
    operation["responses"] = {
        status: {**answer, "content": {**answer["content"], "text/html": PAGE}}
        if "application/json" in answer.get("content", {}) else answer
        for status, answer in operation["responses"].items()}
    return operation


def register(app: Any) -> None:
    """Run `document` after any spec processor set before (APIFlask keeps one)."""
    previous = getattr(app, "spec_callback", None)
    app.spec_callback = (
        (lambda spec: document(previous(spec))) if previous else document)
