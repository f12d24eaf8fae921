"""kill -9 of gunicorn's process group while clients finish small tus uploads, the kill
landing between a finish's publication of the bytes and their recording (the moment that
left uploads stuck for good): after a restart every unfinished upload resumes or is
complete, none answers 500, and fsck finds nothing to repair but young partial writes."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from tusclient.client import TusClient
from tusclient.uploader import Uploader

from compartilha.extensions import db
from compartilha.models import Upload
from compartilha.services import integrity
from tests.faults.conftest import Client, app_for, server_env, sha256
from tests.servers import start_gunicorn, stop

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 6
PIECE = 100_000
TUS = {"Tus-Resumable": "1.0.0"}


def finish_uploads(client: Client, uploads: list[dict], answers: list[int]) -> None:
    """Create small uploads and send each in a few PATCHes, until the server dies."""
    while True:
        data = os.urandom(random.randint(PIECE // 2, 3 * PIECE))  # noqa: S311
        entry = {"name": f"u{len(uploads)}-{random.randint(0, 10**9)}.bin", "data": data,  # noqa: S311
                 "url": None, "done": False}
        uploads.append(entry)
        meta = "filename " + base64.b64encode(entry["name"].encode()).decode()
        try:
            status, headers, _ = client.exchange("POST", "/api/v1/uploads", headers={
                **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": meta})
            answers.append(status)
            entry["url"] = urlparse(headers["location"]).path
            offset = 0
            while offset < len(data):
                status, headers, _ = client.exchange(
                    "PATCH", entry["url"], data[offset:offset + PIECE], {
                        **TUS, "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream"})
                answers.append(status)
                offset = int(headers["upload-offset"])
            entry["done"] = True
        except (OSError, KeyError):  # the server died (or answered an error: see answers)
            return


def stuck_rows(tmp_path: Path, env: dict[str, str], staging: Path) -> int:
    """Upload rows whose staging is gone while their offset says unfinished."""
    app = app_for(tmp_path, env)
    with app.app_context():
        rows = db.session.execute(db.select(Upload.handle, Upload.offset, Upload.length)).all()
        db.engine.dispose()
    return sum(1 for handle, offset, length in rows
               if offset < length and not (staging / f"{handle}.tus").exists())


def resume(server_url: str, client: Client, entry: dict) -> None:
    """What a tus client does after the crash: ask for the offset, send the rest; with a
    short retry schedule (tus clients give up after a few seconds)."""
    status, _, body = client.exchange("HEAD", entry["url"], headers=TUS)
    assert status in (200, 404), (status, body)
    if status == 404:  # finished and recorded; only the answer was lost
        return
    uploader = Uploader(client=TusClient(server_url + "/api/v1/uploads", headers={
        "Authorization": f"Bearer {client.token}"}), url=server_url + entry["url"],
        file_stream=io.BytesIO(entry["data"]), chunk_size=PIECE, retries=2, retry_delay=1)
    uploader.upload()


def test_unfinished_uploads_resume_after_kill_9(fault_db, tmp_path, monkeypatch):
    storage = tmp_path / "files"
    trigger = tmp_path / "kill-now"
    env = {**server_env(tmp_path, fault_db, storage), "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "4", "KILL_AFTER_PUBLISH": str(trigger),
           "PYTHONPATH": str(ROOT)}
    server = start_gunicorn(env, tmp_path, "crash", app="tests.faults.killpoint:create_app()")
    uploads: list[dict] = []
    answers: list[int] = []
    try:
        token = Client(server.url).login().token
        clients = [threading.Thread(target=finish_uploads,
                                    args=(Client(server.url, token), uploads, answers))
                   for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        deadline = time.monotonic() + 20
        while sum(entry["done"] for entry in uploads) < 2 * CLIENTS:
            assert time.monotonic() < deadline and all(t.is_alive() for t in clients), answers
            time.sleep(0.05)
        trigger.touch()  # the next finish kills master and workers, mid-finish
        server.process.wait(20)
        for thread in clients:
            thread.join(30)
    finally:
        stop(server.process)
    assert set(answers) <= {201, 204}, answers
    assert any(entry["done"] for entry in uploads)
    assert stuck_rows(tmp_path, env, storage / ".staging") >= 1  # the kill hit the window

    restarted = start_gunicorn(env, tmp_path, "restarted")
    try:
        client = Client(restarted.url, token)
        started = time.monotonic()
        for entry in uploads:
            if entry["url"] and not entry["done"]:
                resume(restarted.url, client, entry)
        resumed_in = time.monotonic() - started
        listing = json.loads(client.request("GET", "/api/v1/files?per_page=100")[1])["files"]
    finally:
        stop(restarted.process)
    stored = {f["name"]: f["sha256"] for f in listing}
    for entry in uploads:
        if entry["url"]:  # every upload the client knows is complete now
            assert stored.get(entry["name"]) == sha256(entry["data"]), entry["name"]
    assert resumed_in < 10, resumed_in  # no wait for leases of the dead processes
    statuses = [line.split('" ')[1].split()[0] for line in
                restarted.log.read_text().splitlines() if '"PATCH ' in line or '"HEAD ' in line]
    assert statuses and not {"500", "423"} & set(statuses), statuses  # tuspy's retries unused

    monkeypatch.setattr(integrity, "PARTIAL_AGE_SECONDS", 0)
    app = app_for(tmp_path, env)
    with app.app_context():
        report = integrity.check(verify_hashes=True)
        db.engine.dispose()
    young_partials = {"stale_partials", "orphan_uploads"}  # creations the kill cut
    assert {name: items for name, items in vars(report).items()
            if items and name not in young_partials} == {}
