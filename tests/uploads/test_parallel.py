"""16 form uploads at once under gunicorn (2 workers × 8 threads), on SQLite and MariaDB:
none is lost (the benchmark's 64 × 1 MiB, in small)."""

from __future__ import annotations

import json
import os
import threading

from tests.faults.conftest import Client, multipart, reset_database, server_env, sha256
from tests.servers import start_gunicorn, stop


def test_sixteen_parallel_uploads_are_all_kept(database, tmp_path):
    _, url = database
    reset_database(tmp_path / "reset", url)
    env = {**server_env(tmp_path, url, tmp_path / "files"), "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "8"}
    server = start_gunicorn(env, tmp_path, "parallel")
    try:
        client = Client(server.url).login()
        names = [f"file-{i}.txt" for i in range(16)]
        payloads = [os.urandom(256 * 1024 + i) for i in range(len(names))]
        answers: dict[int, tuple[int, dict]] = {}
        start = threading.Barrier(len(names))

        def upload(i: int) -> None:
            body, boundary = multipart(payloads[i], names[i])
            start.wait()
            status, reply = client.request("POST", "/api/v1/files", body, {
                "Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=60)
            answers[i] = (status, json.loads(reply))

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(names))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert sorted(status for status, _ in answers.values()) == [201] * len(names)
        for i, (_, reply) in answers.items():
            assert reply["file"]["sha256"] == sha256(payloads[i])
        assert sorted(reply["file"]["name"] for _, reply in answers.values()) == sorted(names)
        status, reply = client.request("GET", "/api/v1/files?per_page=100")
        listed = json.loads(reply)["files"]
        assert sorted(f["id"] for f in listed) == sorted(r["file"]["id"]
                                                         for _, r in answers.values())
    finally:
        stop(server.process)
