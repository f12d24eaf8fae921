"""Uploads under real gunicorn: tus and multipart bodies over one keep-alive connection."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.both_storages  # local folder and S3

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    env = {**os.environ, "INSTANCE_PATH": str(folder), "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}", "SCRYPT_N": "16",
           "STORAGE_URL": f"file://{folder / 'files'}", "FLASK_APP": "compartilha",
           "HOST": "127.0.0.1", "PORT": "0", "MAX_UPLOAD_BYTES": str(64 * 1024 * 1024)}
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=env, cwd=ROOT, check=True,  # noqa: S603
                   capture_output=True)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env["PORT"] = str(port)
    process = subprocess.Popen(  # noqa: S603 - our own server
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-w", "2", "--threads", "4",
         "--access-logfile", "/dev/null", "compartilha:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                requests.get(base + "/healthz", timeout=2)
                break
            except requests.RequestException:  # refused, or slow to answer on a busy machine
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield base
    finally:  # stopped by its PID even when start-up failed
        process.terminate()
        process.wait(20)


def test_tus_and_multipart_over_one_keep_alive_connection(gunicorn):
    session = requests.Session()
    creds = {"email": "k@example.com", "password": "correct horse"}
    rv = session.post(f"{gunicorn}/api/v1/auth/register", json={"name": "K", **creds},
                      timeout=10)
    assert rv.status_code == 201, rv.text
    rv = session.post(f"{gunicorn}/api/v1/auth/login", json=creds, timeout=10)
    assert rv.status_code == 200, rv.text
    token = rv.json()["access_token"]
    session.cookies.clear()
    session.headers["Authorization"] = f"Bearer {token}"
    tus = {"Tus-Resumable": "1.0.0"}
    # Several 1 MiB reads of wsgi.input per request, and pieces that end mid-read.
    data = os.urandom(5 * 1024 * 1024 + 1)
    rv = session.post(f"{gunicorn}/api/v1/uploads", timeout=10,
                      headers={**tus, "Upload-Length": str(len(data))})
    assert rv.status_code == 201, rv.text
    url = rv.headers["Location"]
    for start in range(0, len(data), 3_000_000):
        rv = session.patch(url, data=data[start:start + 3_000_000], timeout=10, headers={
            **tus, "Upload-Offset": str(start),
            "Content-Type": "application/offset+octet-stream"})
        assert rv.status_code == 204, rv.text
    form = os.urandom(3 * 1024 * 1024 + 7)
    rv = session.post(f"{gunicorn}/api/v1/files", files={"file": ("f.bin", form)}, timeout=10)
    assert rv.status_code == 201, rv.text
    files = session.get(f"{gunicorn}/api/v1/files", timeout=10).json()["files"]
    assert sorted(f["sha256"] for f in files) == sorted(
        hashlib.sha256(d).hexdigest() for d in (data, form))
    for meta in files:
        got = session.get(f"{gunicorn}/api/v1/files/{meta['id']}/download", timeout=10)
        assert hashlib.sha256(got.content).hexdigest() == meta["sha256"]
