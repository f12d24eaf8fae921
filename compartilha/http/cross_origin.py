"""Cross-origin requests (CORS): pages of the origins in CORS_ORIGINS (an Uppy uploader on
an intranet page) may call the JSON API and tus under /api/v1 with a bearer token.

Never with cookies (no `Access-Control-Allow-Credentials`): a session cookie only acts
for pages of this origin, so allowing an origin cannot hand it anyone's session. The tus
headers a client must read (Location, Upload-Offset…) are exposed, and those it sends
(Upload-Length, Upload-Metadata, X-HTTP-Method-Override…) allowed. Empty: no CORS headers
at all, so browsers keep other origins out, as before.
"""

from __future__ import annotations

from flask import Flask

from ..extensions import cors

EXPOSED = ["Location", "Upload-Offset", "Upload-Length", "Upload-Metadata", "Upload-Expires",
           "Upload-Concat", "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size",
           "Tus-Checksum-Algorithm", "Compartilha-File-Id", "Retry-After",
           "Content-Disposition"]
ALLOWED = ["Authorization", "Content-Type", "Tus-Resumable", "Upload-Length",
           "Upload-Offset", "Upload-Metadata", "Upload-Concat", "Upload-Checksum",
           "Upload-Defer-Length", "X-HTTP-Method-Override", "X-Requested-With"]
METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    cors.init_app(app, resources={r"/api/v1/*": {"origins": "*" if "*" in origins
                                                 else origins}},
                  supports_credentials=False, expose_headers=EXPOSED, allow_headers=ALLOWED,
                  methods=METHODS, max_age=600, vary_header=True)
