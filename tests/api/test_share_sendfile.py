"""Share downloads under gunicorn, which sends a whole file with sendfile(2): a download
counts when its last byte went out, a cut one does not (http/delivery.WatchedFile)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.faults.conftest import Client, multipart, reset_database, server_env, sha256
from tests.servers import start_gunicorn, stop

SIZE = 32 * 1024 * 1024
SENT_PIECE = 256 * 1024  # http.sending.CHUNK: a body read and written piece by piece


@pytest.fixture
def served(database, tmp_path):
    _, url = database
    reset_database(tmp_path / "reset", url)
    env = {**server_env(tmp_path, url, tmp_path / "files"), "GUNICORN_THREADS": "4"}
    server = start_gunicorn(env, tmp_path, "sendfile")
    try:
        client = Client(server.url).login()
        data = os.urandom(SIZE)
        body, boundary = multipart(data, "big.bin")
        status, reply = client.request("POST", "/api/v1/files", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 201, reply
        yield server, client, json.loads(reply)["file"]["id"], data
    finally:
        stop(server.process)


def share(client, file_id, **body):
    status, reply = client.json("POST", f"/api/v1/files/{file_id}/shares", body)
    assert status == 201, reply
    return reply["share"]


def count_of(client, share_id, expected, timeout=15.0):
    """The link's download_count once it is `expected` (the count lands when the server
    closes the body, just after the client has the last byte)."""
    deadline = time.monotonic() + timeout
    while True:
        status, reply = client.request("GET", "/api/v1/shares")
        found = next(s for s in json.loads(reply)["shares"] if s["id"] == share_id)
        if found["download_count"] == expected or time.monotonic() > deadline:
            return found["download_count"]
        time.sleep(0.1)


def ticket_path(base, token):
    """A limited link's download starts with a redirect to its ticket."""
    status, headers, _ = Client(base).exchange("GET", f"/s/{token}/download")
    assert status == 302, status
    return urlparse(headers["location"]).path


def whole(base, path):
    parsed = urlparse(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cut(base, path, keep=1024 * 1024):
    """Read the headers and `keep` bytes, then reset the connection."""
    parsed = urlparse(base)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.connect((parsed.hostname, parsed.port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parsed.hostname}\r\n\r\n".encode())
    got = b""
    while len(got) < keep:
        chunk = sock.recv(65536)
        assert chunk
        got += chunk
    assert got.startswith(b"HTTP/1.1 200")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def read_calls(server) -> int:
    """read(2)-like calls made by the server's one worker so far (sendfile(2) is one)."""
    master = server.process.pid
    [worker] = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    io = Path(f"/proc/{worker}/io").read_text()
    return int(io.split("syscr:")[1].split()[0])


def test_whole_downloads_count_and_cut_ones_do_not(served):
    server, client, file_id, data = served
    base = server.url
    unlimited = share(client, file_id)
    cut(base, f"/s/{unlimited['token']}/download")
    assert count_of(client, unlimited["id"], 1, timeout=3) == 0
    before = read_calls(server)
    status, body = whole(base, f"/s/{unlimited['token']}/download")
    reads = read_calls(server) - before
    assert status == 200 and sha256(body) == sha256(data)
    assert count_of(client, unlimited["id"], 1) == 1
    assert reads < SIZE // SENT_PIECE // 4, reads  # sendfile, not read and write per piece

    limited = share(client, file_id, max_downloads=2)
    path = ticket_path(base, limited["token"])
    cut(base, path)
    assert count_of(client, limited["id"], 1, timeout=3) == 0
    path = ticket_path(base, limited["token"])
    before = read_calls(server)
    status, body = whole(base, path)
    reads = read_calls(server) - before
    assert status == 200 and sha256(body) == sha256(data)
    assert count_of(client, limited["id"], 1) == 1
    assert reads < SIZE // SENT_PIECE // 4, reads
    # The cut ticket still holds the other slot: the link is busy, not used up.
    status, _, _ = Client(base).exchange("GET", f"/s/{limited['token']}/download")
    assert status in (409, 429, 503)
