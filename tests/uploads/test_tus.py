"""tus 1.0 over real HTTP, driven by tuspy (a client nobody here wrote)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader import Uploader

from compartilha.extensions import db
from compartilha.models import Upload
from compartilha.models.columns import utcnow
from compartilha.services import tus
from tests.helpers import error_code, unfinished_uploads

pytestmark = pytest.mark.both_storages  # local folder and S3

TUS = {"Tus-Resumable": "1.0.0"}


class Sha256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def uploader(base, account, data, **kwargs) -> Sha256Uploader:
    client = TusClient(f"{base}/api/v1/uploads", headers=account.headers)
    kwargs.setdefault("metadata", {"filename": "relatório.bin", "filetype": "text/plain"})
    return Sha256Uploader(client=client, file_stream=io.BytesIO(data), upload_checksum=True,
                          **kwargs)


def create(base, account, length, name="a.bin") -> str:
    meta = "filename " + base64.b64encode(name.encode()).decode()
    rv = requests.post(f"{base}/api/v1/uploads", timeout=10, headers={
        **TUS, **account.headers, "Upload-Length": str(length), "Upload-Metadata": meta})
    assert rv.status_code == 201, rv.text
    return rv.headers["Location"]


def patch(url, account, offset, data, **headers):
    return requests.patch(url, data=data, timeout=10, headers={
        **TUS, **account.headers, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream", **headers})


def head(url, account):
    return requests.head(url, headers={**TUS, **account.headers}, timeout=10)


def start_raw_patch(url, account, offset, length, first: bytes) -> socket.socket:
    """A PATCH that declares `length` bytes but sends only `first` for now."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    lines = [f"PATCH {parts.path} HTTP/1.1", f"Host: {parts.netloc}",
             f"Authorization: {account.headers['Authorization']}", "Tus-Resumable: 1.0.0",
             f"Upload-Offset: {offset}", "Content-Type: application/offset+octet-stream",
             f"Content-Length: {length}", "", ""]
    sock.sendall("\r\n".join(lines).encode() + first)
    return sock


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def my_files(base, account):
    return requests.get(f"{base}/api/v1/files", headers=account.headers, timeout=10).json()


def staged(app) -> list[str]:
    return unfinished_uploads(app)  # a local folder or S3, whichever the app stores in


def test_discovery(client, app):
    rv = client.options("/api/v1/uploads")
    assert rv.status_code == 204
    assert rv.headers["Tus-Version"] == "1.0.0"
    assert set(rv.headers["Tus-Extension"].split(",")) >= {
        "creation", "creation-with-upload", "termination", "checksum", "expiration"}
    assert rv.headers["Tus-Max-Size"] == str(app.config["MAX_UPLOAD_BYTES"])
    assert "sha256" in rv.headers["Tus-Checksum-Algorithm"].split(",")


def test_whole_upload_becomes_a_file(live_server, auth, app):
    account = auth.user()
    data = os.urandom(300_000)
    up = uploader(live_server, account, data, chunk_size=70_000)
    up.upload()
    file_id = up.request.response_headers["compartilha-file-id"]
    [meta] = my_files(live_server, account)["files"]
    assert str(meta["id"]) == file_id
    assert meta["name"] == "relatório.bin" and meta["type"] == "text/plain"
    assert meta["size"] == len(data) and meta["sha256"] == hashlib.sha256(data).hexdigest()
    got = requests.get(f"{live_server}/api/v1/files/{file_id}/download",
                       headers=account.headers, timeout=10)
    assert got.content == data
    assert staged(app) == []
    done = head(up.url, account)  # finished, and still answering until it expires
    assert done.status_code == 200
    assert done.headers["Upload-Offset"] == done.headers["Upload-Length"] == str(len(data))


def test_interrupted_upload_resumes_from_its_offset(live_server, auth, app):
    account = auth.user()
    data = os.urandom(250_000)
    url = create(live_server, account, len(data))
    sock = start_raw_patch(url, account, 0, 100_000, data[:40_000])
    sock.shutdown(socket.SHUT_WR)  # the network drops mid-request
    sock.close()
    wait_for(lambda: head(url, account).headers["Upload-Offset"] == "40000")
    assert my_files(live_server, account)["files"] == []  # half an upload is no file
    tus._hashers.clear()  # resume as if in another worker: rebuild the hash
    up = uploader(live_server, account, data, url=url, chunk_size=100_000)
    assert up.offset == 40_000
    up.upload()
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["size"] == len(data)


def test_creation_with_upload_and_empty_file(live_server, auth):
    account = auth.user()
    rv = requests.post(f"{live_server}/api/v1/uploads", data=b"abc", timeout=10, headers={
        **TUS, **account.headers, "Upload-Length": "3",
        "Content-Type": "application/offset+octet-stream"})
    assert rv.status_code == 201 and rv.headers["Upload-Offset"] == "3"
    assert "Compartilha-File-Id" in rv.headers
    uploader(live_server, account, b"").upload()
    sizes = sorted(f["size"] for f in my_files(live_server, account)["files"])
    assert sizes == [0, 3]


def test_terminated_upload_leaves_nothing(live_server, auth, app):
    account = auth.user()
    up = uploader(live_server, account, os.urandom(50_000), chunk_size=20_000)
    up.upload(stop_at=20_000)
    assert staged(app) != []
    rv = requests.delete(up.url, headers={**TUS, **account.headers}, timeout=10)
    assert rv.status_code == 204
    assert head(up.url, account).status_code == 404
    assert patch(up.url, account, 20_000, b"x").status_code == 404
    assert staged(app) == [] and my_files(live_server, account)["files"] == []


def test_wrong_checksum_is_460_and_keeps_nothing(live_server, auth):
    account = auth.user()
    url = create(live_server, account, 6)
    wrong = "sha256 " + base64.b64encode(hashlib.sha256(b"nope").digest()).decode()
    rv = patch(url, account, 0, b"abc", **{"Upload-Checksum": wrong})
    assert rv.status_code == 460 and rv.json()["error"]["code"] == "checksum_mismatch"
    assert head(url, account).headers["Upload-Offset"] == "0"
    good = "sha256 " + base64.b64encode(hashlib.sha256(b"abc").digest()).decode()
    assert patch(url, account, 0, b"abc", **{"Upload-Checksum": good}).status_code == 204
    rv = patch(url, account, 3, b"def")
    assert rv.status_code == 204 and rv.headers["Upload-Offset"] == "6"
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"abcdef").hexdigest()


def test_concurrent_patch_is_refused(live_server, auth, app):
    account = auth.user()
    url = create(live_server, account, 1000)
    sock = start_raw_patch(url, account, 0, 1000, b"a" * 400)

    def locked() -> bool:
        with app.app_context():
            return db.session.scalar(db.select(Upload.locked_until)) is not None

    wait_for(locked)
    second = patch(url, account, 0, b"b" * 1000)
    assert second.status_code in (409, 423)
    assert second.json()["error"]["code"] == "upload_locked"
    sock.sendall(b"a" * 600)
    reply = sock.recv(4096).decode()
    sock.close()
    assert reply.startswith("HTTP/1.1 204") and "Upload-Offset: 1000" in reply
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"a" * 1000).hexdigest()


def test_offset_mismatch_is_409(live_server, auth):
    account = auth.user()
    url = create(live_server, account, 10)
    rv = patch(url, account, 5, b"12345")
    assert rv.status_code == 409 and rv.headers["Upload-Offset"] == "0"


def test_expired_upload_is_gone_and_cleaned(live_server, auth, app, runner):
    account = auth.user()
    url = create(live_server, account, 10)
    assert patch(url, account, 0, b"12345").headers["Upload-Expires"].endswith("GMT")
    with app.app_context():
        db.session.execute(db.update(Upload).values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert head(url, account).status_code == 410
    assert patch(url, account, 5, b"67890").status_code == 410
    result = runner.invoke(args=["cleanup"])
    assert "removed 1 expired unfinished uploads" in result.output
    assert head(url, account).status_code == 404
    assert staged(app) == [] and my_files(live_server, account)["files"] == []


def test_beyond_max_size_is_413(live_server, auth, app):
    account = auth.user()
    limit = app.config["MAX_UPLOAD_BYTES"]
    rv = requests.post(f"{live_server}/api/v1/uploads", timeout=10, headers={
        **TUS, **account.headers, "Upload-Length": str(limit + 1)})
    assert rv.status_code == 413 and rv.json()["error"]["code"] == "too_large"
    assert str(limit) in rv.json()["error"]["message"]
    url = create(live_server, account, 10)
    assert patch(url, account, 0, b"x" * 11).status_code == 413


def test_refused_type_is_refused_before_any_byte(live_server, auth, app):
    from flask_uploads import configure_uploads

    from compartilha.extensions import upload_set

    app.config["UPLOADED_FILES_DENY"] = ("exe",)
    configure_uploads(app, upload_set)
    account = auth.user()
    rv = requests.post(f"{live_server}/api/v1/uploads", timeout=10, headers={
        **TUS, **account.headers, "Upload-Length": "10",
        "Upload-Metadata": "filename " + base64.b64encode(b"setup.EXE").decode()})
    assert rv.status_code == 422 and rv.json()["error"]["code"] == "upload_refused"


def test_another_users_upload_is_404(live_server, auth):
    owner, other = auth.user(), auth.user()
    url = create(live_server, owner, 10)
    assert head(url, other).status_code == 404
    assert patch(url, other, 0, b"12345").status_code == 404
    rv = requests.delete(url, headers={**TUS, **other.headers}, timeout=10)
    assert rv.status_code == 404
    assert head(url, owner).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Tus-Resumable": "0.2.2"}, 412),
])
def test_refused_requests(live_server, auth, headers, status):
    account = auth.user()
    url = create(live_server, account, 10)
    sent = {**TUS, **headers} if "Tus-Resumable" in headers else {}
    if status != 401:
        sent.update(account.headers)
    rv = requests.head(url, headers={**TUS, **sent}, timeout=10) if status == 401 else \
        requests.patch(url, data=b"1", timeout=10, headers={
            **sent, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert rv.status_code == status


def test_cookie_session_needs_the_csrf_header(live_server, auth):
    account = auth.register()
    session = requests.Session()
    rv = session.post(f"{live_server}/api/v1/auth/login", timeout=10,
                      json={"email": account.email, "password": account.password})
    csrf = session.cookies["compartilha_csrf"]
    rv = session.post(f"{live_server}/api/v1/uploads", timeout=10,
                      headers={**TUS, "Upload-Length": "1"})
    assert rv.status_code == 403
    rv = session.post(f"{live_server}/api/v1/uploads", timeout=10,
                      headers={**TUS, "Upload-Length": "1", "X-CSRF-Token": csrf})
    assert rv.status_code == 201


def test_tuspy_reports_refusal(live_server, auth):
    account = auth.user()
    up = uploader(live_server, account, b"x" * 10)
    up.upload(stop_at=5)
    with pytest.raises(TusCommunicationError):
        Sha256Uploader(client=TusClient(f"{live_server}/api/v1/uploads",
                                        headers=auth.user().headers),
                       url=up.url, file_stream=io.BytesIO(b"x" * 10))


def test_deleting_the_account_drops_unfinished_uploads(live_server, auth, app):
    account = auth.user()
    url = create(live_server, account, 10)
    assert patch(url, account, 0, b"12345").status_code == 204
    assert staged(app) != []
    rv = requests.delete(f"{live_server}/api/v1/me", headers=account.headers, timeout=10,
                         json={"password": account.password})
    assert rv.status_code == 204, rv.text
    assert staged(app) == []


@pytest.mark.parametrize("value", ["²", "٣", "１０", "-1", "1e3"])
def test_integer_headers_take_ascii_digits_only(client, auth, value):
    # str.isdigit() accepts '²' (int() then failed: 500) and '٣' or '１０' (read as numbers).
    account = auth.user()
    sent = {**TUS, **account.headers}
    rv = client.post("/api/v1/uploads", headers={**sent, "Upload-Length": value})
    assert rv.status_code == 400 and error_code(rv) == "invalid_header"
    url = client.post("/api/v1/uploads", headers={**sent, "Upload-Length": "10"}).location
    rv = client.patch(url, data=b"1", headers={
        **sent, "Upload-Offset": value, "Content-Type": "application/offset+octet-stream"})
    assert rv.status_code == 400 and error_code(rv) == "invalid_header"
