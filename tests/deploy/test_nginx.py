"""docs/nginx.conf, as shipped, with Debian's nginx in front of gunicorn on loopback (TLS)."""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask_migrate import upgrade

from compartilha import create_app
from compartilha.extensions import db
from tests.deploy.http import call, multipart
from tests.servers import free_ports, start_gunicorn, stop, wait_http

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:" + os.environ.get("PATH", ""))
MIB = 1024 * 1024


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
                files: Path) -> str:
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
        "client_max_body_size 10485824k;": f"client_max_body_size {8 * 1024 + 64}k;",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if NGINX is None:
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail("nginx is required (REQUIRE_NGINX=1) but not installed")
        pytest.skip("nginx not installed")
    work = tmp_path_factory.mktemp("nginx")
    files = work / "files"
    database = f"sqlite:///{work / 'app.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSTANCE_PATH", str(work / "instance"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": database,
                          "SECRET_KEY": secrets.token_hex(32), "STORAGE_URL": f"file://{files}"})
        with app.app_context():
            upgrade()
            db.engine.dispose()
    app_server = start_gunicorn({
        "DATABASE_URL": database, "STORAGE_URL": f"file://{files}",
        "INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": secrets.token_hex(32),
        "SCRYPT_N": "16", "TRUSTED_PROXIES": "1", "X_ACCEL_REDIRECT": "/_files/",
        "MAX_UPLOAD_BYTES": str(8 * MIB),
    }, work, "app")
    http_port, https_port = free_ports(2)
    cert, key = self_signed(work)
    app_port = int(app_server.url.rsplit(":", 1)[1])
    (work / "site.conf").write_text(site_config(app_port, http_port, https_port, cert, key,
                                                files))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folders
    temp = "".join(f"{kind}_temp_path {work / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (work / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {work / 'nginx.pid'};\nerror_log {work / 'error.log'};\n"
        f"daemon off;\nevents {{ worker_connections 64; }}\n"
        f"http {{\naccess_log {work / 'access.log'};\n{temp}include {work / 'site.conf'};\n}}\n")
    log = work / "nginx.log"
    with open(log, "wb") as out:
        nginx = subprocess.Popen(  # noqa: S603
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{http_port}/", nginx, work / "error.log", 20,
                  accept=(301,))
        context = ssl.create_default_context(cafile=str(cert))
        yield {"https": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}",
               "context": context, "files": files}
    finally:
        stop(nginx)
        stop(app_server.process)


def test_plain_http_redirects_to_https(site):
    rv = call(site["http"], "GET", "/api/v1/files")
    assert rv.status == 301 and rv.headers["Location"].startswith("https://127.0.0.1/")


def test_through_nginx_with_tls(site):
    https, context = site["https"], site["context"]
    rv = call(https, "GET", "/healthz", context=context)
    assert rv.status == 200 and rv.headers["Server"].startswith("nginx")
    email = f"n{secrets.token_hex(4)}@example.com"
    account = {"email": email, "password": "a long password"}
    assert call(https, "POST", "/api/v1/auth/register", context=context,
                json_body={"name": "Ana", **account}).status == 201
    rv = call(https, "POST", "/api/v1/auth/login", json_body=account, context=context)
    assert rv.status == 200
    # The app saw HTTPS through X-Forwarded-Proto (TRUSTED_PROXIES=1): Secure cookies.
    assert all("Secure" in c for c in rv.headers.get_all("Set-Cookie"))
    token = rv.json()["access_token"]

    data = secrets.token_bytes(3 * MIB)  # over nginx's default 1 MiB body limit
    body, content_type = multipart("file", "foto.jpg", data, "image/jpeg")
    rv = call(https, "POST", "/api/v1/files", body=body, token=token, context=context,
              headers={"Content-Type": content_type})
    assert rv.status == 201, rv.body
    file_id = rv.json()["file"]["id"]

    rv = call(https, "GET", f"/api/v1/files/{file_id}/download", token=token, context=context)
    assert rv.status == 200 and rv.body == data
    assert rv.headers["Content-Disposition"] == 'attachment; filename="foto.jpg"'
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    # nginx's own ETag (mtime-size): the app answered X-Accel-Redirect, nginx sent the file.
    assert rv.headers["ETag"].endswith(f'-{len(data):x}"')
    rv = call(https, "GET", f"/api/v1/files/{file_id}/download", token=token, context=context,
              headers={"Range": "bytes=100-199"})
    assert rv.status == 206 and rv.body == data[100:200]

    # Over the limit (MAX_UPLOAD_BYTES = 8 MiB here): nginx refuses before the app sees a
    # byte, in the app's JSON shape.
    big, content_type = multipart("file", "big.bin", b"x" * (9 * MIB), "application/x")
    rv = call(https, "POST", "/api/v1/files", body=big, token=token, context=context,
              headers={"Content-Type": content_type})
    assert rv.status == 413 and rv.json()["error"]["code"] == "too_large"


def test_storage_folder_is_internal_only(site):
    token = secrets.token_hex(16)
    (site["files"] / token[:2]).mkdir(exist_ok=True)
    (site["files"] / token[:2] / token).write_bytes(b"private")
    rv = call(site["https"], "GET", f"/_files/{token[:2]}/{token}", context=site["context"])
    assert rv.status == 404 and b"private" not in rv.body
