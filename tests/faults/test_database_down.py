"""Stop MariaDB under load: quick 503s in JSON, recovery without a restart, nothing lost."""

import json
import os
import threading
import time

from flask_migrate import upgrade

from compartilha import create_app
from tests.conftest import base_config
from tests.faults.conftest import Client, app_for, multipart, server_env, sha256
from tests.servers import start_gunicorn, stop


def upload(client: Client, data: bytes, name: str):
    body, boundary = multipart(data, name)
    return client.request("POST", "/api/v1/files", body,
                          {"Content-Type": f"multipart/form-data; boundary={boundary}"})


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

        def load():
            while not stop_load.is_set():
                data = os.urandom(64 * 1024)
                name = f"load{next(counter)}.bin"
                started = time.monotonic()
                status, body = upload(client, data, name)
                if status == 201:
                    acknowledged[name] = (json.loads(body)["file"]["id"], sha256(data))
                elif down.is_set():
                    outage_answers.append((status, time.monotonic() - started, body))

        down = threading.Event()
        workers = [threading.Thread(target=load) for _ in range(3)]
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
        down.clear()
        before = len(acknowledged)
        time.sleep(1.0)
        stop_load.set()
        for worker in workers:
            worker.join(30)
        assert len(acknowledged) > before, "writes did not resume after the outage"
        assert outage_answers and all(status in (503,) for status, _, _ in outage_answers)
        assert all(elapsed < 3 for _, elapsed, _ in outage_answers)
        for name, (file_id, digest) in acknowledged.items():
            status, data = client.request("GET", f"/api/v1/files/{file_id}/download")
            assert status == 200 and sha256(data) == digest, name
        assert server.process.poll() is None
    finally:
        stop(server.process)
    report = app_for(tmp_path, env).test_cli_runner().invoke(args=["fsck"])
    assert "row without bytes" not in report.output
    assert "bytes without row" not in report.output
