"""kill -9 gunicorn (master and workers) during 20 concurrent uploads, then restart."""

import os
import signal
import socket
import threading
import time

from tests.faults.conftest import Client, app_for, multipart, server_env, sha256
from tests.servers import start_gunicorn, stop

UPLOADS = 20
SIZE = 2 * 1024 * 1024


def slow_upload(url: str, token: str, data: bytes, name: str, results: dict) -> None:
    """Send the body in pieces with pauses, so that the kill lands mid-upload for many."""
    body, boundary = multipart(data, name)
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall((f"POST /api/v1/files HTTP/1.1\r\nHost: {host}\r\n"
                          f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n"
                          f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                          "Connection: close\r\n\r\n").encode())
            for start in range(0, len(body), 256 * 1024):
                sock.sendall(body[start:start + 256 * 1024])
                time.sleep(0.1)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        if not reply:  # the server died before answering
            results[name] = (None, b"")
            return
        status = int(reply.split(b" ", 2)[1])
        results[name] = (status, reply.split(b"\r\n\r\n", 1)[1])
    except OSError as exc:
        results[name] = (None, repr(exc).encode())


def test_acknowledged_uploads_survive_kill_9(fault_db, tmp_path):
    import json

    storage = tmp_path / "files"
    env = {**server_env(tmp_path, fault_db, storage), "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "12"}
    server = start_gunicorn(env, tmp_path, "crash")
    try:
        token = Client(server.url).login().token
        payloads = {f"f{i:02d}.bin": os.urandom(SIZE) for i in range(UPLOADS)}
        results: dict = {}
        threads = [threading.Thread(target=slow_upload, args=(server.url, token, data, name,
                                                              results))
                   for name, data in payloads.items()]
        for n, thread in enumerate(threads):
            thread.start()
            if n % 4 == 3:
                time.sleep(0.3)  # staggered: some finish before the kill, some are cut
        time.sleep(0.3)
        os.killpg(server.process.pid, signal.SIGKILL)  # master and every worker at once
        server.process.wait(10)
        for thread in threads:
            thread.join(30)
    finally:
        stop(server.process)
    acknowledged = {name: json.loads(body)["file"] for name, (status, body) in results.items()
                    if status == 201}
    assert 0 < len(acknowledged) < UPLOADS, {k: v[0] for k, v in results.items()}

    restarted = start_gunicorn(env, tmp_path, "restarted")
    try:
        client = Client(restarted.url, token)
        for name, meta in acknowledged.items():
            assert meta["sha256"] == sha256(payloads[name])
            status, data = client.request("GET", f"/api/v1/files/{meta['id']}/download")
            assert status == 200 and sha256(data) == meta["sha256"], name
        status, listing = client.request("GET", "/api/v1/files?per_page=100")
        listed = {f["name"] for f in json.loads(listing)["files"]}
        assert set(acknowledged) <= listed
    finally:
        stop(restarted.process)

    app = app_for(tmp_path, env)
    runner = app.test_cli_runner()
    report = runner.invoke(args=["fsck", "--verify"])
    assert "row without bytes" not in report.output
    assert "differs" not in report.output
    # bytes whose row never committed, and half-written parts, are the only debris; repair
    # removes them (partials right away here, since the crash is seconds old)
    from compartilha.services import integrity

    integrity.PARTIAL_AGE_SECONDS = 0
    try:
        repaired = runner.invoke(args=["fsck", "--repair"])
        assert repaired.exit_code == 0, repaired.output
    finally:
        integrity.PARTIAL_AGE_SECONDS = 3600
    final = runner.invoke(args=["fsck", "--verify"])
    assert final.exit_code == 0 and "clean" in final.output
    assert list((storage / ".staging").glob("*.part")) == []
