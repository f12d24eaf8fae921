"""Two gunicorn servers sharing MariaDB, S3 (SeaweedFS) and Redis act as one service."""

from __future__ import annotations

import base64
import hashlib
import secrets
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests.deploy.http import call, multipart
from tests.servers import start_gunicorn, stop

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def servers(mariadb_url, redis_url, seaweedfs, tmp_path_factory):
    storage_url = seaweedfs.storage_url()
    env = {
        **seaweedfs.env(),
        "DATABASE_URL": mariadb_url,
        "STORAGE_URL": storage_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_KEY_PREFIX": f"t{secrets.token_hex(6)}",  # Redis outlives a test run
        "SECRET_KEY": secrets.token_hex(32),
        "SCRYPT_N": "16",  # fast hashes: this test is about sharing state, not hashing cost
        # The login limit per account and address under test (every request here comes
        # from 127.0.0.1); the per-client limits are raised for the other tests.
        "RATELIMIT_LOGIN": "3 per 15 minutes",
        "RATELIMIT_LOGIN_CLIENT": "10000 per 15 minutes",
        "RATELIMIT_REGISTER": "10000 per hour",
        "RATELIMIT_UPLOAD": "10000 per hour",
        "RATELIMIT_SHARE": "10000 per hour",
    }
    started = []
    try:
        for name in ("a", "b"):
            workdir = tmp_path_factory.mktemp(f"server-{name}")
            started.append(start_gunicorn({**env, "INSTANCE_PATH": str(workdir / "instance")},
                                          workdir, name))
        yield SimpleNamespace(urls=[server.url for server in started],
                              prefix=storage_url.split("/", 3)[3])
    finally:
        for server in started:
            stop(server.process)


def new_account(base: str, password: str = "a long password") -> dict:  # noqa: S107
    email = f"u{secrets.token_hex(6)}@example.com"
    rv = call(base, "POST", "/api/v1/auth/register",
              json_body={"name": "Ana", "email": email, "password": password})
    assert rv.status == 201, rv.body
    return {"email": email, "password": password}


def login(base: str, account: dict) -> str:
    rv = call(base, "POST", "/api/v1/auth/login", json_body=account)
    assert rv.status == 200, rv.body
    return rv.json()["access_token"]


def test_upload_on_one_download_and_share_on_the_other(servers, seaweedfs):
    a, b = servers.urls
    token = login(a, new_account(a))
    data = secrets.token_bytes(9 * MIB)  # more than one 8 MiB part: a real multipart upload
    body, content_type = multipart("file", "dados.bin", data, "application/octet-stream")
    rv = call(a, "POST", "/api/v1/files", body=body, token=token,
              headers={"Content-Type": content_type})
    assert rv.status == 201, rv.body
    meta = rv.json()["file"]
    assert meta["size"] == len(data) and meta["sha256"] == hashlib.sha256(data).hexdigest()
    listing = seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket, Prefix=servers.prefix)
    assert [o["Size"] for o in listing["Contents"]] == [len(data)]  # the bytes are in S3

    rv = call(b, "GET", f"/api/v1/files/{meta['id']}/download", token=token)
    assert rv.status == 200 and rv.body == data
    rv = call(b, "GET", f"/api/v1/files/{meta['id']}/download", token=token,
              headers={"Range": "bytes=8388600-8388615"})
    assert rv.status == 206 and rv.body == data[8388600:8388616]

    rv = call(b, "POST", f"/api/v1/files/{meta['id']}/shares", token=token, json_body={})
    assert rv.status == 201, rv.body
    share = rv.json()["share"]
    rv = call(a, "GET", f"/s/{share['token']}/download")
    assert rv.status == 200 and rv.body == data

    rv = call(a, "DELETE", f"/api/v1/files/{meta['id']}", token=token)
    assert rv.status == 204
    listing = seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket, Prefix=servers.prefix)
    assert listing["KeyCount"] == 0  # deleting the file deleted the object
    assert call(b, "GET", f"/s/{share['token']}/download").status in (404, 410)


def test_logout_on_one_is_refused_on_the_other(servers):
    a, b = servers.urls
    token = login(a, new_account(a))
    assert call(b, "GET", "/api/v1/me", token=token).status == 200
    assert call(a, "POST", "/api/v1/auth/logout", token=token).status == 204
    rv = call(b, "GET", "/api/v1/me", token=token)
    assert rv.status == 401 and rv.json()["error"]["code"] == "not_authenticated"


def test_login_throttle_counts_across_servers(servers):
    a, b = servers.urls
    account = new_account(a)
    wrong = {**account, "password": "not the password"}
    for base in (a, b, a):  # the limit is 3 failures per account, wherever they land
        assert call(base, "POST", "/api/v1/auth/login", json_body=wrong).status == 401
    rv = call(b, "POST", "/api/v1/auth/login", json_body=account)
    assert rv.status == 429 and rv.json()["error"]["code"] == "too_many_requests"


def test_tus_upload_started_on_one_finished_on_the_other(servers, seaweedfs):
    a, b = servers.urls
    token = login(a, new_account(a))
    data = secrets.token_bytes(9 * MIB + 12345)
    name = base64.b64encode("vídeo.bin".encode()).decode()
    tus = {"Tus-Resumable": "1.0.0"}
    rv = call(a, "POST", "/api/v1/uploads", token=token, headers={
        **tus, "Upload-Length": str(len(data)), "Upload-Metadata": f"filename {name}"})
    assert rv.status == 201, rv.body
    path = urlsplit(rv.headers["Location"]).path
    first = 5 * MIB + 7  # not a multiple of anything S3 cares about
    rv = call(a, "PATCH", path, token=token, body=data[:first], headers={
        **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert rv.status == 204 and rv.headers["Upload-Offset"] == str(first)

    rv = call(b, "HEAD", path, token=token, headers=tus)
    assert rv.status == 200 and rv.headers["Upload-Offset"] == str(first)
    rv = call(b, "PATCH", path, token=token, body=data[first:], headers={
        **tus, "Upload-Offset": str(first), "Content-Type": "application/offset+octet-stream"})
    assert rv.status == 204 and rv.headers["Upload-Offset"] == str(len(data))

    [meta] = call(a, "GET", "/api/v1/files", token=token).json()["files"]
    # b never saw the first bytes: it rebuilt the hash from what a had stored in S3.
    assert meta["size"] == len(data) and meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert call(a, "GET", f"/api/v1/files/{meta['id']}/download", token=token).body == data
    listing = seaweedfs.client().list_objects_v2(Bucket=seaweedfs.bucket,
                                                 Prefix=f"{servers.prefix}/.tus/")
    assert listing["KeyCount"] == 0  # the pieces are gone once the file is whole
