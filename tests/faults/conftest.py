"""Fault tests run the app as in production (gunicorn, a real database) and break things."""

from __future__ import annotations

import hashlib
import http.client
import json
import secrets
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from tests.conftest import base_config
from tests.helpers import tables


def server_env(tmp_path: Path, database_url: str, storage: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url, "STORAGE_URL": f"file://{storage}",
        "SECRET_KEY": secrets.token_hex(32), "INSTANCE_PATH": str(tmp_path / "instance"),
        "SCRYPT_N": "16", "MAX_UPLOAD_BYTES": str(64 * 1024 * 1024),
        "RATELIMIT_UPLOAD": "10000 per hour", "RATELIMIT_REGISTER": "10000 per hour",
    }


def app_for(tmp_path: Path, env: dict[str, str]):
    """An in-process app on the same database and storage, for fsck and inspection."""
    return create_app({**base_config(tmp_path, env["DATABASE_URL"]),
                       "SECRET_KEY": env["SECRET_KEY"], "STORAGE_URL": env["STORAGE_URL"]})


def reset_database(tmp_path: Path, url: str) -> None:
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            for table in tables():
                conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608
        db.engine.dispose()


class Client:
    """A tiny HTTP client for a real server (one connection per request)."""

    def __init__(self, url: str, token: str = "") -> None:
        parsed = urlparse(url)
        self.host, self.port, self.token = parsed.hostname, parsed.port, token

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30):
        status, _, data = self.exchange(method, path, body, headers, timeout)
        return status, data

    def exchange(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None, timeout: float = 30):
        """(status, headers with lower-case names, body)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            all_headers = dict(headers or {})
            if self.token:
                all_headers["Authorization"] = f"Bearer {self.token}"
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def json(self, method: str, path: str, payload: dict):
        status, body = self.request(method, path, json.dumps(payload).encode(),
                                    {"Content-Type": "application/json"})
        return status, json.loads(body or b"{}")

    def login(self, email: str = "faults@example.com",
              password: str = "fault password"):  # noqa: S107
        self.json("POST", "/api/v1/auth/register",
                  {"name": "F", "email": email, "password": password})
        status, body = self.json("POST", "/api/v1/auth/login",
                                 {"email": email, "password": password})
        assert status == 200, body
        self.token = body["access_token"]
        return self


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = secrets.token_hex(8)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fault_db(database, tmp_path):
    _, url = database
    reset_database(tmp_path / "reset", url)
    return url


class PrivateMariaDB:
    """A MariaDB server of our own (temp datadir, free port) that a test may stop and start
    without disturbing the machine's shared server."""

    def __init__(self, workdir: Path) -> None:
        import shutil

        from tests.servers import free_ports

        self.workdir = workdir
        self.datadir = workdir / "data"
        self.port = free_ports(1)[0]
        self.process = None
        install = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
        subprocess.run([install, "--no-defaults", f"--datadir={self.datadir}", "--user=root",  # noqa: S603
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/compartilha?charset=utf8mb4"

    def start(self, timeout: float = 60) -> None:
        import pymysql

        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen(  # noqa: S603
            ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.datadir}", "--user=root",
             f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--socket={self.workdir / 'sock'}", "--innodb-buffer-pool-size=32M"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="root",
                                connect_timeout=1).close()
                return
            except pymysql.err.OperationalError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("private MariaDB did not start:\n"
                                       + (self.workdir / "server.log").read_text()[-2000:]
                                       ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        from tests.servers import stop

        if self.process is not None:
            stop(self.process, timeout=60)
            self.process = None

    def create_database(self) -> None:
        import pymysql

        conn = pymysql.connect(host="127.0.0.1", port=self.port, user="root")
        with conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE IF NOT EXISTS compartilha "
                           "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        conn.close()


@pytest.fixture
def private_mariadb(tmp_path):
    if not Path("/usr/sbin/mariadbd").exists():
        pytest.fail("MariaDB (mariadb-server) is required for the fault tests")
    server = PrivateMariaDB(tmp_path / "mariadb")
    server.start()
    server.create_database()
    yield server
    server.stop()


def mount_tmpfs(mount: Path, size: str) -> None:
    mount.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",  # noqa: S603,S607
                             str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs (root is needed): {result.stderr}")


def unmount(mount: Path) -> None:
    subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S603,S607


def raw_request(url: str, head: str, body: bytes, piece: int = 0,
                pause: float = 0.0) -> tuple[int, dict[str, str], bytes]:
    """One request over a raw socket, its body sent whole or in `piece`-byte pieces; the
    answer even when the server gives it before the body is all sent."""
    host, port = urlparse(url).hostname, urlparse(url).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(head.encode())
        try:
            for start in range(0, len(body), piece or len(body) or 1):
                sock.sendall(body[start:start + (piece or len(body))])
                if pause:
                    time.sleep(pause)
        except OSError:  # the server answered early and stopped reading
            pass
        reply = b""
        while b"\r\n\r\n" not in reply and (data := sock.recv(65536)):
            reply += data
        head_part, _, rest = reply.partition(b"\r\n\r\n")
        lines = head_part.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(rest) < length and (data := sock.recv(65536)):
            rest += data
    return int(lines[0].split(" ")[1]), headers, rest
