"""tus details real clients rely on: X-HTTP-Method-Override (tus-js-client's
overridePatchMethod), Upload-Metadata in HEAD, a chunked PATCH (no Content-Length)."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
import requests

from tests.clients import tus_js
from tests.uploads.test_tus import TUS, create, head, my_files

pytestmark = pytest.mark.both_storages  # local folder and S3

OCTETS = {"Content-Type": "application/offset+octet-stream"}


def test_tus_js_client_overriding_patch_with_post(live_server, auth, tmp_path):
    account = auth.user()
    data = os.urandom(250_000)
    path = tmp_path / "a.bin"
    path.write_bytes(data)
    result = tus_js(f"{live_server}/api/v1/uploads", account.token, path, chunkSize=100_000,
                    overridePatchMethod=True)
    assert result["ok"], result
    assert result["requests"] == ["POST 201"] + ["POST/PATCH 204"] * 3
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert str(meta["id"]) == result["fileId"]


def test_override_delete_and_refused_override(live_server, auth, app):
    account = auth.user()
    url = create(live_server, account, 10)
    rv = requests.post(url, timeout=10, headers={**TUS, **account.headers,
                                                 "X-HTTP-Method-Override": "GET"})
    assert rv.status_code == 405 and rv.json()["error"]["code"] == "method_not_allowed"
    rv = requests.post(url, timeout=10, headers={**TUS, **account.headers})
    assert rv.status_code == 405
    rv = requests.post(url, timeout=10, headers={**TUS, "X-HTTP-Method-Override": "DELETE"})
    assert rv.status_code == 401  # the overridden view's own checks apply
    rv = requests.post(url, timeout=10, headers={**TUS, **account.headers,
                                                 "X-HTTP-Method-Override": "delete"})
    assert rv.status_code == 204
    assert head(url, account).status_code == 404


def test_head_gives_the_metadata(live_server, auth):
    account = auth.user()
    url = create(live_server, account, 10, name="nota fiscal.pdf")
    rv = head(url, account)
    meta = dict(item.split(" ") for item in rv.headers["Upload-Metadata"].split(","))
    assert base64.b64decode(meta["filename"]).decode() == "nota fiscal.pdf"
    assert base64.b64decode(meta["filetype"]).decode() == "application/pdf"


def chunks(*parts: bytes):
    yield from parts  # requests sends a generator with Transfer-Encoding: chunked


def test_chunked_patch_is_accepted_to_its_end(live_server, auth):
    account = auth.user()
    url = create(live_server, account, 300_000)
    sent = [os.urandom(70_000), os.urandom(30_000)]
    rv = requests.patch(url, data=chunks(*sent), timeout=10, headers={
        **TUS, **account.headers, **OCTETS, "Upload-Offset": "0"})
    assert rv.request.headers["Transfer-Encoding"] == "chunked"
    assert rv.status_code == 204 and rv.headers["Upload-Offset"] == "100000"
    rest = os.urandom(200_000)
    checksum = "sha256 " + base64.b64encode(hashlib.sha256(rest).digest()).decode()
    rv = requests.patch(url, data=chunks(rest[:1], rest[1:]), timeout=10, headers={
        **TUS, **account.headers, **OCTETS, "Upload-Offset": "100000",
        "Upload-Checksum": checksum})
    assert rv.status_code == 204 and "Compartilha-File-Id" in rv.headers
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"".join(sent) + rest).hexdigest()


def test_chunked_patch_past_upload_length_is_413_and_keeps_nothing(live_server, auth):
    account = auth.user()
    url = create(live_server, account, 1000)
    rv = requests.patch(url, data=chunks(b"a" * 600, b"b" * 401), timeout=10, headers={
        **TUS, **account.headers, **OCTETS, "Upload-Offset": "0"})
    assert rv.status_code == 413 and rv.json()["error"]["code"] == "too_large"
    assert head(url, account).headers["Upload-Offset"] == "0"
    rv = requests.patch(url, data=chunks(b"c" * 1000), timeout=10, headers={
        **TUS, **account.headers, **OCTETS, "Upload-Offset": "0"})
    assert rv.status_code == 204 and rv.headers["Upload-Offset"] == "1000"
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"c" * 1000).hexdigest()
