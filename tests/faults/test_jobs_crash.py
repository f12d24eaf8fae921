"""A worker killed with SIGKILL in the middle of sending a mail loses no mail: the next
worker sends it (docs/jobs.md, "Nothing is lost when the worker dies")."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from compartilha import create_app, jobs
from compartilha.services import mail
from tests.conftest import base_config
from tests.mailbox import SmtpServer
from tests.servers import stop


class StallingServer(SmtpServer):
    """Holds the first message's DATA unanswered until `release` is set, then refuses it
    (451): the worker sending it is mid-send, and nothing of that try is delivered."""

    def __init__(self, certificate) -> None:
        super().__init__(certificate)
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def test_a_mail_whose_worker_is_killed_mid_send_is_sent_by_the_next(
        tmp_path, smtp_certificate, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    log = tmp_path / "worker.log"
    with StallingServer(smtp_certificate) as server:
        env = {**os.environ, "FLASK_APP": "compartilha", "INSTANCE_PATH": str(instance),
               "SECRET_KEY": secrets.token_hex(32),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
               "MAIL_URL": server.url, "SSL_CERT_FILE": str(smtp_certificate[0]),
               "JOBS_LEASE_SECONDS": "1", "JOBS_WORKERS": "1"}
        app = create_app(base_config(tmp_path, env["DATABASE_URL"]) | {
            "JOBS_IMMEDIATE": False, "MAIL_URL": server.url})
        with app.app_context():
            upgrade()  # mail names the site from the settings an admin may have stored
            mail.send("ana@example.com", "verify", lang="en",
                      context={"name": "Ana", "hours": 1, "url": mail.link("/v")})
            [queued] = jobs.listing()
            assert queued.state == "queued"

        first = worker(env, log)
        try:
            assert server.stalled.wait(60), log.read_text()
            os.killpg(first.pid, signal.SIGKILL)  # mid-send: DATA sent, no answer yet
            first.wait(10)
        finally:
            stop(first)
        server.release.set()
        with app.app_context():
            assert [job.state for job in jobs.listing()] == ["running"]  # its lease
        assert server.messages == []

        second = worker(env, log)
        try:
            [message] = server.wait_for(1, timeout=60)
            assert message["To"] == "ana@example.com"
            deadline = time.monotonic() + 10
            with app.app_context():
                while jobs.listing() and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert jobs.listing() == []
        finally:
            second.send_signal(signal.SIGINT)  # the graceful stop
            try:
                assert second.wait(30) == 0
            finally:
                stop(second)
    assert "queued again 1 job" in log.read_text()


@pytest.fixture(autouse=True)
def _in_process_again(tmp_path):
    yield
    create_app(base_config(tmp_path, "sqlite://"))  # the global queue back in-process
