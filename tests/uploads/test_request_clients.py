"""The command lines of docs/upload-links.md, run as written there (read from the doc, with
the server's URL, the token and the password put in) against gunicorn: real `curl`, and
tuspy, whose upload is cut mid-way and resumed by running the same command again."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from compartilha.extensions import db
from compartilha.models import File
from tests.helpers import unfinished_uploads
from tests.web.test_file_requests import make, stored_files

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "upload-links.md"
BIN = Path(sys.executable).parent
PASSWORD = "segredo"  # noqa: S105 - the test link's


@pytest.fixture
def owner(auth):
    return auth.user(name="Dona Ana")


def documented(start: str) -> str:
    """The one command line of the doc's `sh` blocks that starts with `start`."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    lines = [line for block in blocks for line in block.splitlines()
             if line.startswith(start)]
    assert len(lines) == 1, f"docs/upload-links.md should show one `{start}…` command"
    return lines[0]


def run(command: str, base: str, token: str, cwd: Path,
        password: str = PASSWORD) -> subprocess.CompletedProcess:
    for placeholder in ("https://files.example.com", "TOKEN", "PASSWORD"):
        assert placeholder in command, f"{placeholder} is no longer in {command!r}"
    line = (command.replace("https://files.example.com", base).replace("TOKEN", token)
            .replace("PASSWORD", password))
    # `python` is this virtualenv's, where tuspy is installed.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env,  # noqa: S603, S607
                          capture_output=True, text=True, timeout=120, check=False)


def test_curl_as_documented(app, client, owner, gunicorn_app, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl not installed")
    link = make(client, owner, password=PASSWORD, require_name=True)
    base = gunicorn_app()
    work = tmp_path / "visitor"
    work.mkdir()
    data = b"%PDF-1.4 relatorio " * 1000
    (work / "relatorio.pdf").write_bytes(data)

    done = run(documented("curl "), base, link["token"], work)
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)["file"]
    assert receipt["name"] == "relatorio.pdf" and receipt["size"] == len(data)
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    with app.app_context():
        [record] = db.session.scalars(select(File).where(File.request_id == link["id"]))
        assert (record.folder_id, record.sender_name) == (link["folder_id"], "Rui Barbosa")

    # Without the password the link's are refused: the command's fields are what passed.
    refused = run(documented("curl "), base, link["token"], work, password="wrong")
    assert '"code":"wrong_share_password"' in refused.stdout.replace(" ", ""), refused.stdout


class UploadCutter:
    """A TCP proxy that cuts the first connection whose client has sent more than `after`
    bytes (a dropped network mid-upload), then passes everything."""

    def __init__(self, target: str, after: int) -> None:
        self.target_port = int(target.rsplit(":", 1)[1])
        self.after, self.cut = after, False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                visitor, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._upstream, args=(visitor, server), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, visitor), daemon=True).start()

    def _upstream(self, visitor: socket.socket, server: socket.socket) -> None:
        sent = 0
        try:
            while chunk := visitor.recv(65536):
                if not self.cut and sent + len(chunk) > self.after:
                    self.cut = True
                    server.sendall(chunk[: self.after - sent])
                    break
                server.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        for sock in (visitor, server):  # shutdown: the FIN goes now, though a thread reads
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    @staticmethod
    def _answers(server: socket.socket, visitor: socket.socket) -> None:
        try:
            while chunk := server.recv(65536):
                visitor.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        self._listener.close()


def test_tuspy_as_documented_resumes_a_cut_upload(app, client, owner, gunicorn_app, tmp_path):
    link = make(client, owner, password=PASSWORD, require_name=True)
    base = gunicorn_app(MAX_UPLOAD_BYTES=str(32 * 1024 * 1024))
    work = tmp_path / "visitor"
    work.mkdir()
    data = os.urandom(6 * 1024 * 1024)
    (work / "backup.tar").write_bytes(data)
    proxy = UploadCutter(base, after=2 * 1024 * 1024)
    try:
        command = documented("python ")
        first = run(command, proxy.url, link["token"], work)
        assert proxy.cut and first.returncode != 0, first.stderr
        [url] = re.findall(r'"url": "([^"]+)"', (work / ".tus-uploads.json").read_text())
        tus = {"Tus-Resumable": "1.0.0"}

        def offset() -> int:
            return int(requests.head(url, headers=tus, timeout=10).headers["Upload-Offset"])

        deadline = time.monotonic() + 20
        while offset() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        kept = offset()
        assert 0 < kept < len(data)  # what arrived before the cut is kept, not all of it

        second = run(command, proxy.url, link["token"], work)
        assert second.returncode == 0, second.stderr
    finally:
        proxy.close()
    receipt = requests.get(url, timeout=10).json()["file"]  # the same upload, finished
    assert receipt["name"] == "backup.tar" and receipt["size"] == len(data)
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    with app.app_context():
        [record] = db.session.scalars(select(File).where(File.request_id == link["id"]))
        assert (record.sender_name, record.size) == ("Rui", len(data))
    assert len(stored_files(app)) == 1 and unfinished_uploads(app) == []
