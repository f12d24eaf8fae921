"""Stop MariaDB under load: quick 503s in JSON, recovery without a restart, nothing lost,
and, within seconds of its return, no stored bytes without a row."""

import base64
import json
import os
import threading
import time
from urllib.parse import urlparse

from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from compartilha.models import File, Upload
from compartilha.storage import get_storage
from tests.conftest import base_config
from tests.faults.conftest import Client, app_for, multipart, raw_request, server_env, sha256
from tests.servers import start_gunicorn, stop

TUS = {"Tus-Resumable": "1.0.0"}
PIECE = 40_000


def upload(client: Client, data: bytes, name: str):
    body, boundary = multipart(data, name)
    return client.request("POST", "/api/v1/files", body,
                          {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def unrecorded_bytes(app) -> set[str]:
    """Stored keys no row holds (a file's, or an unfinished upload's published key)."""
    with app.app_context():
        held = set(db.session.scalars(db.select(File.key)))
        held |= {f"{h[:2]}/{h}" for h in db.session.scalars(db.select(Upload.handle))}
        db.session.rollback()
        return set(get_storage().keys()) - held


def slow_upload(client: Client, data: bytes, name: str) -> tuple[int, bytes]:
    """A multipart upload whose body trickles in (0.1 s per 32 KiB): such uploads are
    in flight when the database stops, and their commits fail with it."""
    body, boundary = multipart(data, name)
    head = (f"POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            f"{client.token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    status, _, reply = raw_request(f"http://{client.host}:{client.port}", head, body,
                                   32 * 1024, 0.1)
    return status, reply


class TusLoad:
    """A tus client that keeps finishing small uploads and, like a real one, retries
    what failed (HEAD for the offset, then PATCH from there) until the server takes it.
    Its PATCH bodies trickle in, so one is in flight when the database stops."""

    def __init__(self, client: Client) -> None:
        self.client, self.answers, self.finished = client, [], []
        self.give_up_at = float("inf")

    def send(self, method, path, body=None, **headers):
        assert time.monotonic() < self.give_up_at, f"tus upload stuck: {self.answers}"
        if method == "PATCH":
            head = "".join(f"{k}: {v}\r\n" for k, v in {**TUS, **headers}.items())
            status, headers_back, _ = raw_request(
                f"http://{self.client.host}:{self.client.port}",
                f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                f"{self.client.token}\r\nContent-Length: {len(body)}\r\n{head}"
                "Connection: close\r\n\r\n", body, 8 * 1024, 0.05)
        else:
            status, headers_back, _ = self.client.exchange(method, path, body,
                                                           {**TUS, **headers}, timeout=10)
        self.answers.append(status)
        return status, headers_back

    def one(self, data: bytes, name: str) -> None:
        meta = "filename " + base64.b64encode(name.encode()).decode()
        status, headers = 0, {}
        while status != 201:
            status, headers = self.send("POST", "/api/v1/uploads", None,
                                        **{"Upload-Length": str(len(data)),
                                           "Upload-Metadata": meta})
        path, offset = urlparse(headers["location"]).path, 0
        while offset < len(data):
            status, headers = self.send(
                "PATCH", path, data[offset:offset + PIECE], **{
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream"})
            if status == 204 and "compartilha-file-id" in headers:
                break
            if status != 204:
                time.sleep(0.2)
                status, headers = self.send("HEAD", path)
                if status == 404:  # finished: the answer to its last PATCH was lost
                    break
            if status in (200, 204):
                offset = int(headers["upload-offset"])
        self.finished.append((name, sha256(data)))

    def run(self, stop_load: threading.Event) -> None:
        n = 0
        try:
            while not stop_load.is_set():
                n += 1
                self.one(os.urandom(3 * PIECE + n), f"tus{n}.bin")
        except AssertionError as exc:
            self.answers.append(str(exc))


def test_database_outage(private_mariadb, tmp_path):
    app = create_app(base_config(tmp_path / "migrate", private_mariadb.url))
    with app.app_context():
        upgrade()
    env = {**server_env(tmp_path, private_mariadb.url, tmp_path / "files"),
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "8"}
    server = start_gunicorn(env, tmp_path, "outage")
    acknowledged: dict[str, tuple[int, str]] = {}
    outage_answers: list[tuple[int, float, bytes]] = []
    try:
        client = Client(server.url).login()
        stop_load = threading.Event()
        counter = iter(range(10_000))

        def load(slow: bool = False):
            while not stop_load.is_set():
                data = os.urandom(64 * 1024 if not slow else 320 * 1024)
                name = f"load{next(counter)}.bin"
                started = time.monotonic()
                status, body = (slow_upload if slow else upload)(client, data, name)
                if status == 201:
                    acknowledged[name] = (json.loads(body)["file"]["id"], sha256(data))
                elif slow:
                    slow_answers.append(status)
                elif down.is_set():
                    outage_answers.append((status, time.monotonic() - started, body))

        down = threading.Event()
        tus = TusLoad(Client(server.url, client.token))
        slow_answers: list[int] = []
        workers = [threading.Thread(target=load, args=(slow,))
                   for slow in (False, False, False, True, True)]
        workers.append(threading.Thread(target=tus.run, args=(stop_load,)))
        for worker in workers:
            worker.start()
        time.sleep(1.0)
        assert acknowledged, "the load never got through"
        private_mariadb.stop()
        down.set()
        time.sleep(0.5)
        for path in ("/healthz", "/api/v1/files", "/api/v1/me"):
            started = time.monotonic()
            status, body = client.request("GET", path, timeout=10)
            elapsed = time.monotonic() - started
            assert status == 503, (path, status, body)
            assert elapsed < 3, (path, elapsed)
            error = json.loads(body)["error"]
            assert error["code"] == "database_unavailable"
            assert "Traceback" not in body.decode()
        time.sleep(1.0)
        private_mariadb.start()
        deadline = time.monotonic() + 20
        while client.request("GET", "/healthz")[0] != 200:  # the same server, not restarted
            assert time.monotonic() < deadline, "the app did not recover"
            time.sleep(0.3)
        back = time.monotonic()
        down.clear()
        before = len(acknowledged)
        time.sleep(1.0)
        stop_load.set()
        tus.give_up_at = back + 15
        for worker in workers:
            worker.join(30)
        assert len(acknowledged) > before, "writes did not resume after the outage"
        assert outage_answers and all(status in (503,) for status, _, _ in outage_answers)
        assert all(elapsed < 3 for _, elapsed, _ in outage_answers)
        for name, (file_id, digest) in acknowledged.items():
            status, data = client.request("GET", f"/api/v1/files/{file_id}/download")
            assert status == 200 and sha256(data) == digest, name
        assert set(slow_answers) <= {503}, slow_answers
        assert set(tus.answers) <= {200, 201, 204, 404, 503}, tus.answers
        assert tus.finished
        inspect = app_for(tmp_path, env)
        with inspect.app_context():
            recorded = {tuple(r) for r in db.session.execute(db.select(File.name, File.sha256))}
        assert set(tus.finished) <= recorded
        while left := unrecorded_bytes(inspect):  # settled without waiting for fsck
            assert time.monotonic() < back + 10, f"bytes without a row: {left}"
            time.sleep(0.2)
        assert server.process.poll() is None
    finally:
        stop(server.process)
    report = app_for(tmp_path, env).test_cli_runner().invoke(args=["fsck"])
    assert "row without bytes" not in report.output
    assert "bytes without row" not in report.output
