"""A full storage folder: uploads get 507 and leave nothing; downloads keep working."""

import io
import json
import os
from urllib.parse import urlparse

import pytest

from compartilha import create_app
from tests.conftest import base_config
from tests.faults.conftest import (
    Client,
    mount_tmpfs,
    multipart,
    raw_request,
    server_env,
    sha256,
    unmount,
)
from tests.helpers import AuthActions
from tests.servers import start_gunicorn, stop

MIB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount_tmpfs(mount, "4m")
    yield mount
    unmount(mount)


def test_full_storage(database, tmp_path, small_disk):
    app = create_app({**base_config(tmp_path, database[1]),
                      "STORAGE_URL": f"file://{small_disk / 'files'}",
                      "MAX_UPLOAD_BYTES": 16 * 1024 * 1024})
    from compartilha.extensions import db
    from tests.helpers import tables

    with app.app_context(), db.engine.begin() as conn:
        for table in tables():
            conn.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608
    client = app.test_client()
    auth = AuthActions(client)
    account = auth.user()
    first = auth.upload(account, b"a" * (1024 * 1024), "first.bin")
    assert first.status_code == 201
    file_id = first.get_json()["file"]["id"]
    rv = client.post("/api/v1/files", headers=account.headers,
                     data={"file": (io.BytesIO(b"b" * (5 * 1024 * 1024)), "big.bin")},
                     content_type="multipart/form-data")
    assert rv.status_code == 507
    assert rv.get_json()["error"]["code"] == "storage_full"
    staging = small_disk / "files" / ".staging"
    assert list(staging.iterdir()) == []
    listed = client.get("/api/v1/files", headers=account.headers).get_json()["files"]
    assert [f["name"] for f in listed] == ["first.bin"]
    download = client.get(f"/api/v1/files/{file_id}/download", headers=account.headers)
    assert download.status_code == 200 and download.data == b"a" * (1024 * 1024)
    download.close()
    # once there is room again, uploads work
    assert client.delete(f"/api/v1/files/{file_id}", headers=account.headers).status_code == 204
    again = auth.upload(account, b"c" * (2 * 1024 * 1024), "again.bin")
    assert again.status_code == 201
    with app.app_context():
        db.engine.dispose()


def storage_full(status: int, body: bytes) -> bool:
    return status == 507 and json.loads(body)["error"]["code"] == "storage_full"


def post_multipart(server, token: str, data: bytes, piece: int) -> tuple[int, bytes]:
    body, boundary = multipart(data, "big.bin")
    head = (f"POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    status, _, reply = raw_request(server.url, head, body, piece, 0.0005 if piece else 0)
    return status, reply


@pytest.fixture
def full_server(fault_db, tmp_path):
    """gunicorn storing on a 3 MiB tmpfs, a user, and 1 MiB of it used by a file."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "3m")
    env = {**server_env(tmp_path, fault_db, disk / "files"), "GUNICORN_THREADS": "4"}
    server = start_gunicorn(env, tmp_path, "full")
    try:
        client = Client(server.url).login()
        body, boundary = multipart(os.urandom(MIB), "kept.bin")
        status, reply = client.request("POST", "/api/v1/files", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 201, reply
        yield server, client, json.loads(reply)["file"]["id"], disk / "files" / ".staging"
    finally:
        stop(server.process)
        unmount(disk)


def test_multipart_on_a_full_disk_under_gunicorn(full_server):
    """Sent whole, and in small pieces (closing the partial file flushed its buffer, met
    the full disk again, and that error replaced the 507 and kept the file): 507 in the
    JSON shape, nothing partial left."""
    server, client, _, staging = full_server
    for piece in (0, 4096, 0, 4096):
        status, reply = post_multipart(server, client.token, os.urandom(4 * MIB), piece)
        assert storage_full(status, reply), (piece, status, reply[:300])
        assert list(staging.iterdir()) == [], piece
    files = json.loads(client.request("GET", "/api/v1/files")[1])["files"]
    assert [f["name"] for f in files] == ["kept.bin"]


def test_tus_on_a_full_disk_under_gunicorn(full_server):
    """507 in the JSON shape, the offset unchanged and none of the refused bytes kept;
    the same PATCH completes the upload once there is room."""
    _, client, kept_id, staging = full_server
    data = os.urandom(MIB * 5 // 2)
    status, headers, _ = client.exchange("POST", "/api/v1/uploads", headers={
        **TUS, "Upload-Length": str(len(data)), "Upload-Metadata": "filename YS5iaW4="})
    assert status == 201
    url = urlparse(headers["location"]).path
    patch = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    status, reply = client.request("PATCH", url, data, patch)
    assert storage_full(status, reply), (status, reply[:300])
    [tus] = list(staging.iterdir())
    assert tus.suffix == ".tus" and tus.stat().st_size == 0  # nothing of it kept
    status, headers, _ = client.exchange("HEAD", url, headers=TUS)
    assert status == 200 and headers["upload-offset"] == "0"

    assert client.request("DELETE", f"/api/v1/files/{kept_id}")[0] == 204  # room again
    status, headers, _ = client.exchange("PATCH", url, data, patch)
    assert status == 204 and "compartilha-file-id" in headers
    files = json.loads(client.request("GET", "/api/v1/files")[1])["files"]
    assert [(f["name"], f["sha256"]) for f in files] == [("a.bin", sha256(data))]
    assert list(staging.iterdir()) == []
