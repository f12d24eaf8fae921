"""A storage quota holds under concurrency (services/quotas.py): an account at 95% of a
10 MiB quota sends 20 uploads at once by multipart, then 20 by tus, against gunicorn
(2 workers × 10 threads) on SQLite and MariaDB. Exactly as many as fit are kept, the others
get 413 `quota_exceeded`, and nothing else is left in storage."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from compartilha.storage.local import STAGING
from tests.faults.conftest import Client, multipart, reset_database, server_env
from tests.servers import start_gunicorn, stop

MiB = 1024 * 1024
QUOTA = 10 * MiB
FILLED = QUOTA - QUOTA // 20  # 95%
SIZE = 100_000  # the room left (524 288 bytes) takes 5 of them, not 6
FIT = (QUOTA - FILLED) // SIZE
COUNT = 20


def _at_once(work: Callable[[int], tuple[int, dict]]) -> list[tuple[int, dict]]:
    answers: dict[int, tuple[int, dict]] = {}
    start = threading.Barrier(COUNT)

    def run(i: int) -> None:
        start.wait()
        answers[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(COUNT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == COUNT
    return list(answers.values())


def _stored(files: Path) -> tuple[list[int], list[Path]]:
    """The sizes of the stored files, and whatever is staged."""
    kept = [p.stat().st_size for p in files.rglob("*")
            if p.is_file() and STAGING not in p.relative_to(files).parts]
    return sorted(kept), [p for p in (files / STAGING).rglob("*") if p.is_file()]


def _check(client: Client, files: Path, answers: list[tuple[int, dict]], ok: int) -> None:
    statuses = sorted(status for status, _ in answers)
    assert statuses == [ok] * FIT + [413] * (COUNT - FIT), answers
    assert {reply["error"]["code"] for status, reply in answers if status == 413} == {
        "quota_exceeded"}
    status, body = client.request("GET", "/api/v1/me")
    me = json.loads(body)["user"]
    assert me["used_bytes"] == FILLED + FIT * SIZE <= me["quota_bytes"] == QUOTA
    kept, staged = _stored(files)
    assert kept == sorted([FILLED] + [SIZE] * FIT) and staged == []  # no orphan, no staging


def test_concurrent_uploads_never_exceed_the_quota(database, tmp_path):
    _, url = database
    reset_database(tmp_path / "reset", url)
    files = tmp_path / "files"
    env = {**server_env(tmp_path, url, files), "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "10"}
    server = start_gunicorn(env, tmp_path, "quota")
    try:
        client = Client(server.url).login()  # the first account: an admin
        me = json.loads(client.request("GET", "/api/v1/me")[1])["user"]
        status, _ = client.json("PATCH", f"/api/v1/admin/users/{me['id']}",
                                {"quota_bytes": QUOTA})
        assert status == 200
        body, boundary = multipart(os.urandom(FILLED), "big.bin")
        form = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        status, reply = client.request("POST", "/api/v1/files", body, form, timeout=60)
        assert status == 201, reply

        def by_form(i: int) -> tuple[int, dict]:
            body, boundary = multipart(os.urandom(SIZE), f"f{i}.bin")
            status, reply = client.request("POST", "/api/v1/files", body, {
                "Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=90)
            return status, json.loads(reply)

        answers = _at_once(by_form)
        _check(client, files, answers, 201)
        for status, reply in answers:
            if status == 201:
                assert client.request("DELETE", f"/api/v1/files/{reply['file']['id']}")[0] \
                    == 204

        def by_tus(i: int) -> tuple[int, dict]:
            meta = "filename " + base64.b64encode(f"t{i}.bin".encode()).decode()
            status, headers, reply = client.exchange("POST", "/api/v1/uploads", b"", {
                "Tus-Resumable": "1.0.0", "Upload-Length": str(SIZE),
                "Upload-Metadata": meta}, timeout=90)
            if status != 201:
                return status, json.loads(reply)
            path = "/" + headers["location"].split("/", 3)[3]
            status, _ = client.request("PATCH", path, os.urandom(SIZE), {
                "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream"}, timeout=90)
            return status, {}

        _check(client, files, _at_once(by_tus), 204)
    finally:
        stop(server.process)
