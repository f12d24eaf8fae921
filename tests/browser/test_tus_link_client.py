"""static/js/tus-client.js on an upload link (`receipt: "upload"`), against a tus server
played by page.route: the receipt is read from the upload's own URL (a visitor has no
file id); when the answer to the last byte is lost, the URL tells the upload became a
file and none is sent twice; a 410 with the link's code ends the upload with that code
instead of starting it again. The real endpoint's behaviour is test_request_uploads.py's."""

from __future__ import annotations

import json

from playwright.sync_api import Route

SIZE = 250_000
RECEIPT = {"name": "nota.txt", "size": SIZE, "type": "text/plain", "sha256": "ab" * 32,
           "created_at": "2026-12-01T00:00:00Z"}
SCRIPT = """async ([size]) => {
  const { tusUpload } = await import("/static/js/tus-client.js");
  const file = new File([new Uint8Array(size)], "nota.txt", { type: "text/plain" });
  // A client that cannot tell a link's upload has finished sends empty PATCHes forever.
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), 15000));
  try {
    const file_ = await Promise.race([late, tusUpload(file, {
      endpoint: "/r/fake/uploads", receipt: "upload", chunkSize: 100000,
      metadata: { uploader_name: "Rui" } })]);
    return { file: file_, left: Object.keys(localStorage).length };
  } catch (error) {
    return { error: error.name, status: error.status, code: error.code };
  }
}"""


class FakeLink:
    """A tus endpoint on an upload link, with one upload, in the test's memory."""

    def __init__(self, *, lose_last_answer=False, revoke_at=None):
        self.offset, self.finished, self.calls = 0, False, []
        self.lose_last_answer, self.revoke_at = lose_last_answer, revoke_at

    def __call__(self, route: Route) -> None:
        request = route.request
        self.calls.append(request.method)
        tus = {"Tus-Resumable": "1.0.0"}
        if request.method == "POST":
            route.fulfill(status=201, headers={**tus, "Location": "/r/fake/uploads/u1"})
        elif request.method == "HEAD":
            if self.finished:
                route.fulfill(status=404, headers=tus)
            else:
                route.fulfill(status=200, headers={**tus, "Upload-Offset": str(self.offset)})
        elif request.method == "PATCH":
            if self.calls.count("PATCH") > 20:  # a client that never sees the end
                route.fulfill(status=500, headers=tus)
                return
            if self.revoke_at is not None and self.offset >= self.revoke_at:
                route.fulfill(status=410, headers=tus, content_type="application/json",
                              body=json.dumps({"error": {"code": "request_revoked",
                                                         "message": "revoked"}}))
                return
            self.offset += len(request.post_data_buffer or b"")
            self.finished = self.offset == SIZE
            if self.finished and self.lose_last_answer:
                route.abort("connectionreset")
                return
            route.fulfill(status=204, headers={**tus, "Upload-Offset": str(self.offset)})
        elif request.method == "GET":
            if self.finished:
                route.fulfill(status=200, content_type="application/json",
                              body=json.dumps({"file": RECEIPT}))
            else:
                route.fulfill(status=404, content_type="application/json",
                              body=json.dumps({"error": {"code": "not_found", "message": ""}}))


def run(browser, browser_context_args, server: FakeLink) -> dict:
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/healthz")
    page.route("**/r/fake/uploads**", server)
    try:
        return page.evaluate(SCRIPT, [SIZE])
    finally:
        context.close()


def test_the_receipt_comes_from_the_uploads_url(browser, browser_context_args):
    server = FakeLink()
    result = run(browser, browser_context_args, server)
    assert result == {"file": RECEIPT, "left": 0}
    assert server.calls == ["POST", "PATCH", "PATCH", "PATCH", "GET"]


def test_a_lost_last_answer_never_sends_the_file_twice(browser, browser_context_args):
    server = FakeLink(lose_last_answer=True)
    result = run(browser, browser_context_args, server)
    assert result == {"file": RECEIPT, "left": 0}
    assert server.calls.count("POST") == 1, server.calls
    assert server.calls[-2:] == ["HEAD", "GET"]


def test_a_revoked_link_ends_the_upload_with_its_code(browser, browser_context_args):
    server = FakeLink(revoke_at=100_000)
    result = run(browser, browser_context_args, server)
    assert result == {"error": "TusError", "status": 410, "code": "request_revoked"}
    assert server.calls == ["POST", "PATCH", "PATCH"]
