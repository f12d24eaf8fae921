"""gunicorn's access log keeps no link token and no invitation (compartilha.access_log)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from gunicorn.config import Config

from compartilha.access_log import MaskedLogger
from compartilha.public_paths import masked_url


def test_tokens_and_secret_parameters_are_masked_and_the_rest_kept():
    assert masked_url("GET /s/AbC123/download?x=1 HTTP/1.1") == \
        "GET /s/[link]/download?x=1 HTTP/1.1"
    assert masked_url("/signup?invitation=s3cr3t&lang=en") == \
        "/signup?invitation=[masked]&lang=en"
    assert masked_url("/files?reinvitation=kept") == "/files?reinvitation=kept"
    assert masked_url("/r/tok/uploads/abc") == "/r/[link]/uploads/abc"
    assert masked_url("GET /s/AbC123?x=1 HTTP/1.1") == "GET /s/[link]?x=1 HTTP/1.1"


def test_the_logger_masks_the_request_line_query_and_referrer():
    logger = MaskedLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/signup?invitation=s3cr3t",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/s/AbC123",
               "QUERY_STRING": "invitation=s3cr3t", "HTTP_REFERER": "http://h/r/Tok/",
               "REMOTE_ADDR": "127.0.0.1"}
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", "http://h/r/Tok/")])
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=1))
    line = " ".join(str(atoms[k]) for k in ("r", "U", "q", "f", "{referer}i"))
    assert "s3cr3t" not in line and "AbC123" not in line and "Tok" not in line
    assert atoms["r"] == "GET /signup?invitation=[masked] HTTP/1.1"
    assert atoms["h"] == "127.0.0.1" and atoms["s"] == "200"
