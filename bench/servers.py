"""The systems under test, each started on loopback in a temporary folder and stopped by PID."""

# ruff: noqa: S603, S607 - the benchmark runs fixed local programs
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # any HTTP answer means it is up
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up") from exc
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        """The processes that do the work: gunicorn's workers, else the server itself."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            pids = []
        return pids or [self.process.pid]

    def stop(self) -> None:
        stop(self.process)


def compartilha(work: Path, database_url: str = "", name: str = "compartilha",
                extra_env: dict[str, str] | None = None, root: Path = ROOT) -> Server:
    """As docs/deploy.md recommends for production: gunicorn with gunicorn.conf.py (on
    SQLite in its folder unless `database_url` names another database)."""
    folder = work / name
    folder.mkdir()
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(folder),
           "DATABASE_URL": database_url or f"sqlite:///{folder / 'db.sqlite'}",
           "STORAGE_URL": f"file://{folder / 'files'}", "HOST": "127.0.0.1",
           "PORT": str(port), "SCRYPT_N": "16384", "FLASK_APP": "compartilha",
           "MAX_UPLOAD_BYTES": str(6 * 1024**3),
           # the benchmark is one client sending far more than a person would
           "RATELIMIT_UPLOAD": "1000000 per hour", "RATELIMIT_SHARE": "1000000 per hour",
           "RATELIMIT_REGISTER": "1000000 per hour", **(extra_env or {})}
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=env, cwd=root, check=True,
                   capture_output=True)
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - lives with the server
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
         "compartilha:create_app()"], env=env, cwd=root, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", timeout=120)  # a loaded machine starts slowly
    except BaseException:
        stop(process)  # not in the caller's list yet: nobody else would stop it
        raise
    return Server("compartilha", base, process, folder, env)


def copyparty(work: Path) -> Server:
    folder = work / "copyparty"
    (folder / "share").mkdir(parents=True)
    port = free_port()
    log = open(folder / "copyparty.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "copyparty", "-i", "127.0.0.1", "-p", str(port), "-q",
         "-v", f"{folder / 'share'}::rw"], stdout=log, stderr=log, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/")
    return Server("copyparty", base, process, folder / "share")


NGINX_CONF = """
worker_processes 2;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp; fastcgi_temp_path {folder}/tmp;
    uwsgi_temp_path {folder}/tmp; scgi_temp_path {folder}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/www;
        client_max_body_size 0;
        client_body_buffer_size 1m;
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
        }}
    }}
}}
"""


def nginx(work: Path) -> Server:
    folder = work / "nginx"
    (folder / "www").mkdir(parents=True)
    (folder / "tmp").mkdir()
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=port))
    user = "" if os.geteuid() else "user root;\n"
    conf.write_text(user + conf.read_text())
    log = open(folder / "stderr.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(folder)],
                               stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/")
    return Server("nginx", base, process, folder / "www")


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
