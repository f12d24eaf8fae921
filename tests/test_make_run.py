"""`make run` tells a newcomer which address to open (gunicorn.conf.py's when_ready), and
runs the jobs worker beside the web server (compartilha/supervisor.py)."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_ports, migrated_sqlite, start_gunicorn, stop, wait_http

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = re.compile(r"Compartilha is running: open (\S+) and create your first account")


@pytest.fixture
def gunicorn_conf(tmp_path, monkeypatch):
    # The file loads a .env found from the working directory: give it none to find.
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("bind", "public_url", "url"), [
    ("127.0.0.1:8000", "", "http://127.0.0.1:8000/"),
    ("192.168.1.5:9000", "", "http://192.168.1.5:9000/"),
    ("0.0.0.0:8000", "", "http://127.0.0.1:8000/"),  # noqa: S104 - a bind string, not bound
    ("[::]:8000", "", "http://localhost:8000/"),
    ("[::1]:8080", "", "http://localhost:8080/"),
    ("localhost", "", "http://localhost:8000/"),
    ("127.0.0.1:8000", "https://files.example.com/", "https://files.example.com/"),
    ("unix:/run/compartilha.sock", "", None),
])
def test_the_address_to_open(gunicorn_conf, bind, public_url, url):
    assert gunicorn_conf.address_to_open(bind, public_url) == url


def test_gunicorn_prints_the_address_and_it_answers(tmp_path):
    env = migrated_sqlite(tmp_path) | {"PUBLIC_URL": None, "TRUSTED_HOSTS": None}
    server = start_gunicorn(env, tmp_path)
    try:
        found = MESSAGE.search(server.log.read_text(errors="replace"))
        assert found, server.log.read_text(errors="replace")
        assert found.group(1) == server.url + "/"
        for path in ("", "healthz", "signup"):
            with urllib.request.urlopen(found.group(1) + path, timeout=10) as answer:  # noqa: S310
                assert answer.status == 200
    finally:
        stop(server.process)


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`: their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found[int(entry.name)] = cmdline
    return found


def wait_until(check, timeout: float = 30, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_make_run_serves_and_runs_the_worker_and_ctrl_c_stops_both(tmp_path):
    port = free_ports(1)[0]
    env = {**os.environ, **migrated_sqlite(tmp_path), "HOST": "127.0.0.1", "PORT": str(port),
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "compartilha.supervisor"],  # noqa: S603
                                   cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process, log, 30)
        text = lambda: log.read_text(errors="replace")  # noqa: E731
        wait_until(lambda: "Huey consumer started" in text(), what="the worker")
        # End to end offline: a sign-up's mail is queued by the web server, and the
        # worker writes it to the outbox (no MAIL_URL).
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"http://127.0.0.1:{port}/api/v1/auth/register", method="POST",
            data=b'{"name": "Ana", "email": "ana@example.com", "password": "uma senha longa"}',
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 201
        outbox = Path(env["INSTANCE_PATH"]) / "outbox"
        [mail] = wait_until(lambda: list(outbox.glob("*.eml")), what="the mail in the outbox")
        assert b"To: ana@example.com" in mail.read_bytes()
        assert "written to" in text() and str(mail) in text()
        [worker] = [pid for pid, cmd in children(process.pid).items() if "jobs worker" in cmd]
        os.kill(worker, signal.SIGKILL)  # a worker that dies is started again
        wait_until(lambda: text().count("Huey consumer started") == 2, what="a new worker")
        running = children(process.pid)
        assert len(running) == 2 and worker not in running
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(40) == 0
        assert all(not Path(f"/proc/{pid}").exists() for pid in running)
    finally:
        stop(process)
