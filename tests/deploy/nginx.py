"""docs/nginx.conf, as shipped, run by Debian's nginx over TLS in front of gunicorn on
loopback; only addresses, certificate, storage folder and body limit are swapped."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import free_ports, migrated_sqlite, start_gunicorn, stop, wait_http

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:" + os.environ.get("PATH", ""))
MIB = 1024 * 1024


def require_nginx() -> None:
    if NGINX is None:
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail("nginx is required (REQUIRE_NGINX=1) but not installed")
        pytest.skip("nginx not installed")


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def site_config(app_port: int, http_port: int, https_port: int, cert: Path, key: Path,
                files: Path, max_upload: int) -> str:
    """docs/nginx.conf with only addresses, certificate, folder and body limit swapped."""
    text = (ROOT / "docs" / "nginx.conf").read_text()
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/compartilha/fullchain.pem": str(cert),
        "/etc/ssl/compartilha/privkey.pem": str(key),
        "/srv/compartilha/instance/files/": f"{files}/",
        "client_max_body_size 10485824k;":
            f"client_max_body_size {max_upload // 1024 + 64}k;",
    }
    for old, new in swaps.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def storage_folder(srv: Path) -> Path:
    """The storage folder as docs/deploy.md sets it up: group www-data, setgid, 2750, its
    parents passable (`chmod o+x`). nginx's workers run as www-data when we are root."""
    files = srv / "files"
    os.chmod(srv, os.stat(srv).st_mode | 0o001)
    if os.geteuid() == 0:
        subprocess.run(["install", "-d", "-o", "root", "-g", "www-data",  # noqa: S603, S607
                        "-m", "2750", str(files)], check=True)
    else:
        files.mkdir(mode=0o750)
    return files


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def nginx_site(work: Path, app_env: dict[str, str | None]) -> Iterator[dict]:
    """gunicorn with `app_env` (SQLite in `work`, files in a folder set up as
    docs/deploy.md says) behind nginx, its workers as www-data, on a port other than 443."""
    max_upload = int(app_env.get("MAX_UPLOAD_BYTES") or 8 * MIB)
    # Outside pytest's temporary folders, which only their owner may enter.
    srv = Path(tempfile.mkdtemp(prefix="compartilha-srv-"))
    try:
        yield from _site(work, srv, storage_folder(srv), app_env, max_upload)
    finally:
        shutil.rmtree(srv, ignore_errors=True)


def _site(work: Path, srv: Path, files: Path, app_env: dict[str, str | None],
          max_upload: int) -> Iterator[dict]:
    env = {**migrated_sqlite(work), "SCRYPT_N": "16", "TRUSTED_PROXIES": "1",
           "X_ACCEL_REDIRECT": "/_files/", "MAX_UPLOAD_BYTES": str(max_upload),
           "STORAGE_URL": f"file://{files}", **app_env}
    with umask(0o077):  # a hardened service's: the app must still make files nginx reads
        app_server = start_gunicorn(env, work, "app")
    try:
        http_port, https_port = free_ports(2)
        cert, key = self_signed(work)
        app_port = int(app_server.url.rsplit(":", 1)[1])
        (work / "site.conf").write_text(site_config(app_port, http_port, https_port, cert,
                                                    key, files, max_upload))
        temp = srv / "nginx-temp"  # the workers write request bodies here
        temp.mkdir(mode=0o700)
        user = ""
        if os.geteuid() == 0:  # as Debian's /etc/nginx/nginx.conf: `user www-data;`
            user = "user www-data;\n"
            shutil.chown(temp, "www-data", "www-data")
        temps = "".join(f"{kind}_temp_path {temp / kind};\n"
                        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (work / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\n"
            f"error_log {work / 'error.log'};\ndaemon off;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\naccess_log {work / 'access.log'};\n{temps}"
            f"include {work / 'site.conf'};\n}}\n")
        with open(work / "nginx.log", "wb") as out:
            nginx = subprocess.Popen(  # noqa: S603
                [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"),
                 "-e", str(work / "error.log")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{http_port}/", nginx, work / "error.log", 20,
                      accept=(301,))
            yield {"https": f"https://127.0.0.1:{https_port}",
                   "http": f"http://127.0.0.1:{http_port}", "https_port": https_port,
                   "context": ssl.create_default_context(cafile=str(cert)), "files": files,
                   "database": work / "app.db", "max_upload": max_upload,
                   "error_log": work / "error.log", "cert": cert}
        finally:
            stop(nginx)
    finally:
        stop(app_server.process)
