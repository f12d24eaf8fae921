"""static/js/tus-client.js in a real browser: chunked upload, cancel, resume from the
server's offset (the URL kept in localStorage), metadata of the finished file."""

from __future__ import annotations

import hashlib
import os

import pytest
import requests

pytestmark = pytest.mark.both_storages  # local folder and S3

CHROMIUM = "/usr/bin/chromium"
SCRIPT = """async ([token]) => {
  const { tusUpload } = await import("/static/js/tus-client.js");
  const bytes = new Uint8Array(300000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  const file = new File([bytes], "relatório.bin", { type: "text/plain", lastModified: 1 });
  const headers = { Authorization: "Bearer " + token };
  const cancel = new AbortController();
  let first = null;
  try {
    await tusUpload(file, { headers, chunkSize: 100000, signal: cancel.signal,
                            onProgress: (sent) => { if (sent >= 150000) cancel.abort(); } });
  } catch (error) { first = error.name; }
  const remembered = Object.keys(localStorage).length;
  // Cancelled inside the second chunk, so the first was acknowledged: the server has it.
  let resumedFrom = null;
  const meta = await tusUpload(file, { headers, chunkSize: 100000,
    onProgress: (sent) => { if (resumedFrom === null) resumedFrom = sent; } });
  return { first, remembered, resumedFrom, meta, left: Object.keys(localStorage).length };
}"""


# One browser run is enough: SQLite, the local folder, Debian's Chromium.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_browser_client_cancels_resumes_and_finishes(live_server, auth, database, app,
                                                      playwright):
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is required (apt-get install chromium)"
    account = auth.user()
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox"])
    try:
        page = browser.new_page()
        page.goto(f"{live_server}/healthz")
        result = page.evaluate(SCRIPT, [account.token])
    finally:
        browser.close()
    assert result["first"] == "AbortError" and result["remembered"] == 1
    assert result["resumedFrom"] >= 100000  # not from zero
    data = bytes(i % 251 for i in range(300000))
    meta = result["meta"]
    assert meta["name"] == "relatório.bin" and meta["size"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["left"] == 0  # forgotten once finished


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)
def test_browser_client_whose_last_answer_was_lost_makes_no_second_file(live_server, auth,
                                                                       database, app,
                                                                       playwright):
    account = auth.user()
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox"])
    try:
        page = browser.new_page()
        page.goto(f"{live_server}/healthz")
        first = page.evaluate(SEND_ONCE, [account.token])
        # As if the last PATCH's answer were lost: the URL stays remembered.
        page.evaluate("([k, u]) => localStorage.setItem(k, u)", [first["key"], first["url"]])
        again = page.evaluate(SEND_ONCE, [account.token])
    finally:
        browser.close()
    assert again["meta"]["id"] == first["meta"]["id"]
    files = requests.get(f"{live_server}/api/v1/files", headers=account.headers,
                         timeout=10).json()["files"]
    assert len(files) == 1


SEND_ONCE = """async ([token]) => {
  const { tusUpload } = await import("/static/js/tus-client.js");
  const file = new File([new Uint8Array(1000)], "perdido.bin", { lastModified: 2 });
  const headers = { Authorization: "Bearer " + token };
  let url = null;
  const setItem = Storage.prototype.setItem;
  let key = null;
  Storage.prototype.setItem = function (k, v) {
    key = k; url = v; return setItem.call(this, k, v);
  };
  try {
    const meta = await tusUpload(file, { headers });
    return { meta, key, url };
  } finally { Storage.prototype.setItem = setItem; }
}"""
