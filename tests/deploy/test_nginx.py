"""docs/nginx.conf, as shipped, with Debian's nginx in front of gunicorn on loopback (TLS)."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import time

import pytest

from tests.deploy.http import call, multipart
from tests.deploy.nginx import MIB, nginx_site, require_nginx
from tests.smuggling import CASES, LARGE, SMALL, Site, check, prepare


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_nginx()
    with nginx_site(tmp_path_factory.mktemp("nginx"), {
            "UPLOADED_FILES_DENY": "exe", "RATELIMIT_UPLOAD": "10000 per hour"}) as site:
        yield site


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
    # The app answered X-Accel-Redirect and nginx sent the file, with the app's ETag (the
    # sha256, not nginx's mtime-size) and one Cache-Control.
    assert rv.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert len(rv.headers.get_all("Cache-Control")) == 1
    assert "no-store" in rv.headers["Cache-Control"]
    assert rv.headers.get_all("X-Content-Type-Options") == ["nosniff"]
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


@pytest.mark.parametrize("case", CASES)
def test_a_refused_upload_never_runs_into_the_next_request(site, case):
    """The same attacks as on gunicorn alone, through nginx, which keeps its upstream
    connections alive: the next request on one may be another user's."""
    target = Site(site["https"], site["database"], site["max_upload"], site["context"])
    target = site.setdefault("smuggling", prepare(target))
    for size in (SMALL, LARGE):
        check(target, case, size)


def _account(site) -> str:
    """One account for the tests below (registering is rate-limited per address)."""
    if "token" in site:
        return site["token"]
    https, context = site["https"], site["context"]
    account = {"email": f"n{secrets.token_hex(4)}@example.com", "password": "a long password"}
    assert call(https, "POST", "/api/v1/auth/register", context=context,
                json_body={"name": "Ana", **account}).status == 201
    site["token"] = call(https, "POST", "/api/v1/auth/login", json_body=account,
                         context=context).json()["access_token"]
    return site["token"]


def test_tus_uploads_download_through_nginx_as_www_data_on_its_port(site):
    """nginx's workers run as www-data (not the app's user) on a port other than 443: the
    tus `Location` and share links name that port, and nginx can read what tus stored
    (X-Accel-Redirect), as it can a form upload, whatever the app's umask."""
    https, context, port = site["https"], site["context"], site["https_port"]
    token = _account(site)
    data = secrets.token_bytes(300_000)
    rv = call(https, "POST", "/api/v1/uploads", token=token, context=context, headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
        "Upload-Metadata": "filename bm90YXMudHh0,filetype dGV4dC9wbGFpbg=="})
    assert rv.status == 201, rv.body
    location = rv.headers["Location"]
    assert location.startswith(f"https://127.0.0.1:{port}/api/v1/uploads/"), location
    rv = call(https, "PATCH", location.split(str(port), 1)[1], token=token, context=context,
              body=data, headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0",
                                  "Content-Type": "application/offset+octet-stream"})
    assert rv.status == 204, rv.body
    file_id = int(rv.headers["Compartilha-File-Id"])
    rv = call(https, "GET", f"/api/v1/files/{file_id}/download", token=token, context=context)
    assert rv.status == 200 and rv.body == data, (rv.status, site["error_log"].read_text())
    body, content_type = multipart("file", "form.bin", data, "application/octet-stream")
    rv = call(https, "POST", "/api/v1/files", body=body, token=token, context=context,
              headers={"Content-Type": content_type})
    rv = call(https, "GET", f"/api/v1/files/{rv.json()['file']['id']}/download", token=token,
              context=context)
    assert rv.status == 200 and rv.body == data
    rv = call(https, "POST", f"/api/v1/files/{file_id}/shares", token=token, context=context,
              json_body={})
    assert rv.json()["share"]["url"].startswith(f"https://127.0.0.1:{port}/s/")


def test_http2_clients_send_no_host_and_still_get_links_with_the_port(site):
    """Browsers send `:authority`, not `Host`, over HTTP/2: `$http_host` must still carry it."""
    cert = site["cert"]
    token = _account(site)
    out = subprocess.run(  # noqa: S603
        ["/usr/bin/curl", "-sS", "--http2", "--cacert", str(cert), "-o", "/dev/null",
         "-D", "-", "-X", "POST", "-H", f"Authorization: Bearer {token}",
         "-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Length: 5",
         f"{site['https']}/api/v1/uploads"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("HTTP/2 201"), out.stdout
    assert f"location: https://127.0.0.1:{site['https_port']}/api/v1/uploads/" in out.stdout


def test_a_limited_links_download_resumes_on_its_ticket_through_nginx(site):
    https, context = site["https"], site["context"]
    token = _account(site)
    data = secrets.token_bytes(200_000)
    body, content_type = multipart("file", "limitado.bin", data, "application/octet-stream")
    file_id = call(https, "POST", "/api/v1/files", body=body, token=token, context=context,
                   headers={"Content-Type": content_type}).json()["file"]["id"]
    share = call(https, "POST", f"/api/v1/files/{file_id}/shares", token=token,
                 context=context, json_body={"max_downloads": 1}).json()["share"]
    rv = call(https, "GET", f"/s/{share['token']}/download", context=context)
    assert rv.status == 302
    ticket = rv.headers["Location"]
    assert ticket.startswith(f"/s/{share['token']}/d/")
    rv = call(https, "GET", ticket, context=context, headers={"Range": "bytes=0-99999"})
    assert rv.status == 206 and rv.body == data[:100_000]
    busy = call(https, "GET", f"/s/{share['token']}/download", context=context,
                headers={"Accept": "application/json"})
    assert busy.status == 503 and busy.headers["Retry-After"]
    rv = call(https, "GET", ticket, context=context, headers={"Range": "bytes=100000-"})
    assert rv.status == 206 and rv.body == data[100_000:]
    deadline = time.monotonic() + 5  # counted when gunicorn closes the body
    while True:
        shares = call(https, "GET", "/api/v1/shares", token=token, context=context).json()
        if shares["shares"][0]["download_count"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert shares["shares"][0]["download_count"] == 1
