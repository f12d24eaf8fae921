"""50 concurrent downloads of a link limited to N: exactly N succeed, on a real server."""

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server

from tests.helpers import AuthActions, serving

LIMIT = 5
CLIENTS = 50
DATA = b"0123456789abcdef" * 8192  # 128 KiB


@pytest.fixture
def live(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server):
        yield server.server_port


def fetch(port: int, path: str) -> tuple[int, bytes]:
    """GET, following the redirect to a limited link's download ticket."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status == 302:
            return fetch(port, response.headers["Location"])
        return response.status, body
    finally:
        conn.close()


def test_exactly_n_of_50_concurrent_downloads_succeed(app, client, live):
    auth = AuthActions(client)
    owner = auth.user()
    file_id = auth.upload(owner, DATA, "c.bin").get_json()["file"]["id"]
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                        json={"max_downloads": LIMIT}).get_json()["share"]
    barrier = threading.Barrier(CLIENTS)

    def one(_):
        barrier.wait()
        return fetch(live, f"/s/{share['token']}/download")

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, range(CLIENTS)))
    complete = [body for status, body in results if status == 200]
    assert len(complete) == LIMIT
    assert all(body == DATA for body in complete)
    # The others were told to come back (503, the slots being held) or, once all five
    # downloads completed, that the link is used up (410).
    statuses = {status for status, _ in results}
    assert 200 in statuses and statuses <= {200, 410, 503}
    # The server records a download when it closes the response, a moment after the
    # client has read the last byte; meanwhile the slot stays reserved, so nothing else
    # could have slipped through.
    deadline = time.monotonic() + 5
    while True:
        listed = client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"][0]
        if listed["download_count"] == LIMIT or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert listed["download_count"] == LIMIT and listed["state"] == "used_up"
    accesses = client.get(f"/api/v1/shares/{share['id']}/accesses",
                          headers=owner.headers).get_json()["accesses"]
    assert sum(1 for a in accesses if a["completed"]) == LIMIT


@pytest.mark.parametrize("what", ["zip", "file"])
def test_a_link_to_several_things_counts_exactly_under_50_downloads(app, client, live, what):
    """Each complete ZIP, or each complete file of the link, counts one (issue 16)."""
    auth = AuthActions(client)
    owner = auth.user()
    first = auth.upload(owner, DATA, "c.bin").get_json()["file"]["id"]
    second = auth.upload(owner, DATA[:1000], "d.bin").get_json()["file"]["id"]
    share = client.post("/api/v1/shares", headers=owner.headers, json={
        "file_ids": [first, second], "max_downloads": LIMIT}).get_json()["share"]
    path = f"/s/{share['token']}/" + ("zip" if what == "zip" else f"files/{first}")
    barrier = threading.Barrier(CLIENTS)

    def one(_):
        barrier.wait()
        return fetch(live, path)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, range(CLIENTS)))
    complete = [body for status, body in results if status == 200]
    assert len(complete) == LIMIT and len(set(complete)) == 1
    assert {status for status, _ in results} <= {200, 410, 503}
    deadline = time.monotonic() + 5
    while True:
        listed = client.get("/api/v1/shares", headers=owner.headers).get_json()["shares"][0]
        if listed["download_count"] == LIMIT or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert listed["download_count"] == LIMIT and listed["state"] == "used_up"
