"""CORS: Uppy (@uppy/tus, its browser bundle) on a page of another origin (another port of
127.0.0.1) uploads with a bearer token when CORS_ORIGINS names that origin, and is kept
out by the browser when it does not."""

from __future__ import annotations

import functools
import hashlib
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.clients import MODULES, require_clients
from tests.helpers import serving
from tests.uploads.test_tus import my_files

CHROMIUM = "/usr/bin/chromium"
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>intranet</title>
<link rel="stylesheet" href="/uppy/dist/uppy.min.css"></head>
<body><script src="/uppy/dist/uppy.min.js"></script></body></html>"""
SCRIPT = """async ([endpoint, token]) => {
  const { Uppy, Tus } = window.Uppy;
  const uppy = new Uppy({ autoProceed: false });
  uppy.use(Tus, { endpoint, headers: { Authorization: "Bearer " + token },
                  chunkSize: 100000, retryDelays: [] });
  const bytes = new Uint8Array(250000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  uppy.addFile({ name: "intranet.bin", type: "application/octet-stream",
                 data: new Blob([bytes]) });
  const result = await uppy.upload();
  return { successful: result.successful.length, failed: result.failed.length,
           url: result.successful[0]?.tus?.uploadUrl ?? null,
           error: result.failed[0] ? String(result.failed[0].error) : null };
}"""


@pytest.fixture
def page_origin(tmp_path):
    """A second origin: a static server on another port, serving the page and Uppy."""
    require_clients()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "uppy").symlink_to(MODULES / "uppy")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with serving(server) as url:
        yield url


def upload_from(playwright, page_url: str, endpoint: str, token: str) -> dict:
    """With pytest-playwright's session Playwright (a second sync one cannot start while
    the browser tests' is running)."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is required (apt-get install chromium)"
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox"])
    try:
        page = browser.new_page()
        page.goto(page_url)
        return page.evaluate(SCRIPT, [endpoint, token])
    finally:
        browser.close()


@pytest.mark.parametrize("allowed", [True, False])
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_uppy_on_another_origin(page_origin, database, storage_backend, request, monkeypatch,
                                allowed, playwright):
    if allowed:
        monkeypatch.setenv("CORS_ORIGINS", f"https://elsewhere.example, {page_origin}")
    else:
        monkeypatch.delenv("CORS_ORIGINS", raising=False)
    request.getfixturevalue("app")  # made now, with the origin (or without)
    live_server, account = request.getfixturevalue("live_server"), \
        request.getfixturevalue("auth").user()
    result = upload_from(playwright, page_origin, f"{live_server}/api/v1/uploads", account.token)
    files = my_files(live_server, account)["files"]
    if not allowed:
        assert result["successful"] == 0 and result["failed"] == 1, result
        assert files == []
        return
    assert result["successful"] == 1, result
    [meta] = files
    assert meta["name"] == "intranet.bin" and meta["size"] == 250000
    assert meta["sha256"] == hashlib.sha256(bytes(i % 251 for i in range(250000))).hexdigest()
    assert result["url"].startswith(f"{live_server}/api/v1/uploads/")


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_preflight_and_exposed_headers(database, storage_backend, request, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "http://intranet.example:8080")
    client = request.getfixturevalue("client")
    asked = {"Origin": "http://intranet.example:8080", "Access-Control-Request-Method": "PATCH",
             "Access-Control-Request-Headers": "authorization,tus-resumable,upload-offset,"
                                               "content-type,x-http-method-override"}
    rv = client.options("/api/v1/uploads/" + "a" * 32, headers=asked)
    assert rv.headers["Access-Control-Allow-Origin"] == "http://intranet.example:8080"
    assert "PATCH" in rv.headers["Access-Control-Allow-Methods"]
    allowed = rv.headers["Access-Control-Allow-Headers"].lower()
    assert all(h in allowed for h in asked["Access-Control-Request-Headers"].split(","))
    assert "Access-Control-Allow-Credentials" not in rv.headers  # bearer tokens only
    rv = client.post("/api/v1/uploads", headers={"Origin": "http://intranet.example:8080",
                                                 "Tus-Resumable": "1.0.0"})
    exposed = rv.headers["Access-Control-Expose-Headers"].lower()
    assert {"location", "upload-offset", "upload-length", "tus-resumable", "tus-version",
            "tus-extension", "tus-max-size", "upload-metadata", "upload-expires"} <= {
        h.strip() for h in exposed.split(",")}
    rv = client.options("/api/v1/uploads", headers={**asked, "Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in rv.headers
    assert "Access-Control-Allow-Origin" not in client.get(
        "/", headers={"Origin": "http://intranet.example:8080"}).headers  # pages: never
