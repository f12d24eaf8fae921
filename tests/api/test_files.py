import hashlib
import io
import zlib

import pytest

from compartilha.extensions import db
from compartilha.models import File
from compartilha.storage import get_storage
from tests.helpers import error_code

pytestmark = pytest.mark.both_storages  # local folder and S3


def stored_keys(app) -> list[str]:
    with app.app_context():
        return list(get_storage().keys())


def staging_files(tmp_path) -> list:
    staging = tmp_path / "files" / ".staging"  # absent when the app stores on S3
    return list(staging.iterdir()) if staging.exists() else []


def test_upload_returns_metadata_and_stores_bytes(client, auth, app):
    account = auth.user()
    data = b"conteudo \x00\xff" * 1000
    rv = auth.upload(account, data, "relatório.txt", "text/plain")
    assert rv.status_code == 201
    meta = rv.get_json()["file"]
    assert meta["name"] == "relatório.txt"
    assert meta["type"] == "text/plain"
    assert meta["size"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert set(meta) >= {"id", "created_at"}
    [key] = stored_keys(app)
    assert "relat" not in key  # the storage key never comes from the user's name


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("a\tb\x00c\x7f.txt", "abc.txt"),
    ("evil\u202egnp.exe", "evilgnp.exe"),
    ("..", "file"),
    ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
])
def test_upload_name_is_sanitized(auth, sent, kept):
    account = auth.user()
    rv = auth.upload(account, b"x", sent, "application/octet-stream")
    assert rv.status_code == 201
    assert rv.get_json()["file"]["name"] == kept


def test_upload_without_file_is_422_and_stores_nothing(client, auth, app, tmp_path):
    account = auth.user()
    rv = client.post("/api/v1/files", headers=account.headers,
                     data={"other": (io.BytesIO(b"abc"), "a.txt")},
                     content_type="multipart/form-data")
    assert rv.status_code == 422
    assert error_code(rv) == "invalid_field"
    assert stored_keys(app) == [] and staging_files(tmp_path) == []


def test_upload_too_large_is_413_and_leaves_nothing(client, auth, app, tmp_path):
    account = auth.user()
    limit = app.config["MAX_UPLOAD_BYTES"]
    rv = auth.upload(account, b"a" * (limit + 1))
    assert rv.status_code == 413
    assert error_code(rv) == "too_large"
    assert str(limit) in rv.get_json()["error"]["message"]  # says what fits
    assert stored_keys(app) == [] and staging_files(tmp_path) == []
    assert client.get("/api/v1/files", headers=account.headers).get_json()["files"] == []
    assert auth.upload(account, b"a" * limit).status_code == 201


def test_upload_with_huge_content_length_is_413(client, auth, app):
    account = auth.user()
    rv = client.post("/api/v1/files", headers=account.headers, data=b"--x--",
                     content_type="multipart/form-data; boundary=x",
                     environ_overrides={"CONTENT_LENGTH": str(10 * app.config["MAX_UPLOAD_BYTES"])})
    assert rv.status_code == 413


def test_failed_commit_deletes_the_bytes(auth, app, tmp_path, monkeypatch):
    from compartilha.extensions import db

    account = auth.user()

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    rv = auth.upload(account, b"will not survive")
    assert rv.status_code == 500
    assert error_code(rv) == "internal_error"
    assert stored_keys(app) == [] and staging_files(tmp_path) == []


def test_denied_extension_refused(auth, app):
    app.config["UPLOADED_FILES_DENY"] = ("exe",)
    from flask_uploads import configure_uploads

    from compartilha.extensions import upload_set
    configure_uploads(app, upload_set)
    account = auth.user()
    rv = auth.upload(account, b"MZ", "setup.EXE")
    assert rv.status_code == 422 and error_code(rv) == "upload_refused"
    assert stored_keys(app) == []


def test_list_newest_first_and_paginated(client, auth):
    account = auth.user()
    for i in range(5):
        assert auth.upload(account, f"{i}".encode(), f"f{i}.txt").status_code == 201
    rv = client.get("/api/v1/files?per_page=2", headers=account.headers)
    body = rv.get_json()
    assert [f["name"] for f in body["files"]] == ["f4.txt", "f3.txt"]
    assert body["pagination"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    rv = client.get("/api/v1/files?per_page=2&page=3", headers=account.headers)
    assert [f["name"] for f in rv.get_json()["files"]] == ["f0.txt"]


@pytest.mark.parametrize("query", ["page=0", "per_page=1000", "page=abc"])
def test_list_bad_pagination_is_422(client, auth, query):
    account = auth.user()
    rv = client.get(f"/api/v1/files?{query}", headers=account.headers)
    assert rv.status_code == 422


def test_list_shows_only_my_files(client, auth):
    ana, bia = auth.user(), auth.user()
    auth.upload(ana, b"a", "ana.txt")
    auth.upload(bia, b"b", "bia.txt")
    listed = client.get("/api/v1/files", headers=bia.headers).get_json()["files"]
    names = [f["name"] for f in listed]
    assert names == ["bia.txt"]


def test_metadata(client, auth):
    account = auth.user()
    file_id = auth.upload(account).get_json()["file"]["id"]
    rv = client.get(f"/api/v1/files/{file_id}", headers=account.headers)
    assert rv.status_code == 200
    assert rv.get_json()["file"]["id"] == file_id


@pytest.mark.parametrize(("method", "suffix"), [
    ("get", ""), ("get", "/download"), ("delete", ""), ("post", "/shares")])
def test_other_users_file_is_404_like_a_missing_one(client, auth, method, suffix):
    ana, bia = auth.user(), auth.user()
    file_id = auth.upload(ana).get_json()["file"]["id"]
    theirs = getattr(client, method)(f"/api/v1/files/{file_id}{suffix}", headers=bia.headers)
    missing = getattr(client, method)(f"/api/v1/files/{file_id + 999}{suffix}", headers=bia.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == missing.get_json()
    assert client.get(f"/api/v1/files/{file_id}", headers=ana.headers).status_code == 200


@pytest.mark.parametrize("file_id", ["abc", "-1", "0", "99999999999999999999", "1.5"])
def test_non_integer_or_out_of_range_ids_are_404(client, auth, file_id):
    account = auth.user()
    rv = client.get(f"/api/v1/files/{file_id}", headers=account.headers)
    assert rv.status_code == 404
    assert error_code(rv) == "not_found"


def test_download_headers(client, auth):
    account = auth.user()
    data = b"0123456789" * 100
    meta = auth.upload(account, data, "ação <x>.html", "text/html").get_json()["file"]
    rv = client.get(f"/api/v1/files/{meta['id']}/download", headers=account.headers)
    assert rv.status_code == 200
    assert rv.data == data
    disposition = rv.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="acao <x>.html"' in disposition
    assert "filename*=UTF-8''a%C3%A7%C3%A3o%20%3Cx%3E.html" in disposition
    assert rv.headers["ETag"] == f'"{meta["sha256"]}"'
    assert rv.headers["Accept-Ranges"] == "bytes"
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    assert rv.headers["Content-Length"] == str(len(data))


def test_download_range_and_conditional(client, auth):
    account = auth.user()
    data = bytes(range(256)) * 4
    meta = auth.upload(account, data, "bin.dat").get_json()["file"]
    url = f"/api/v1/files/{meta['id']}/download"
    rv = client.get(url, headers={**account.headers, "Range": "bytes=10-19"})
    assert rv.status_code == 206
    assert rv.data == data[10:20]
    assert rv.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    rv = client.get(url, headers={**account.headers, "Range": "bytes=-5"})
    assert rv.status_code == 206 and rv.data == data[-5:]
    rv = client.get(url, headers={**account.headers, "Range": f"bytes={len(data)}-"})
    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == f"bytes */{len(data)}"
    rv = client.get(url, headers={**account.headers, "If-None-Match": f'"{meta["sha256"]}"'})
    assert rv.status_code == 304


def test_delete_removes_row_bytes_and_shares(client, auth, app):
    account = auth.user()
    file_id = auth.upload(account).get_json()["file"]["id"]
    token = client.post(f"/api/v1/files/{file_id}/shares",
                        headers=account.headers).get_json()["share"]["token"]
    assert client.get(f"/s/{token}").status_code == 200
    rv = client.delete(f"/api/v1/files/{file_id}", headers=account.headers)
    assert rv.status_code == 204
    assert client.get(f"/api/v1/files/{file_id}", headers=account.headers).status_code == 404
    assert stored_keys(app) == []
    assert client.get(f"/s/{token}").status_code == 404
    assert client.get(f"/s/{token}/download").status_code == 404
    assert client.get("/api/v1/shares", headers=account.headers).get_json()["shares"] == []


def test_file_routes_need_login(client):
    for method, url in [("get", "/api/v1/files"), ("post", "/api/v1/files"),
                        ("get", "/api/v1/files/1"), ("get", "/api/v1/files/1/download"),
                        ("delete", "/api/v1/files/1")]:
        rv = getattr(client, method)(url)
        assert rv.status_code == 401, url
        assert error_code(rv) == "not_authenticated"


def test_commit_that_failed_after_taking_effect_keeps_the_bytes(client, auth, app,
                                                                 monkeypatch):
    """The database committed, then the connection died before it said so: the row
    exists, so its bytes must stay (deleting them would leave a row without bytes)."""
    from compartilha.extensions import db
    from compartilha.models import File

    account = auth.user()
    real_commit = db.session.commit

    def commit_then_lose_the_reply():
        recording = any(isinstance(row, File) for row in db.session.new)
        real_commit()
        if recording:  # the commit of the file's row (earlier ones, e.g. the quota's, pass)
            raise ConnectionResetError("server went away after COMMIT")

    monkeypatch.setattr(db.session, "commit", commit_then_lose_the_reply)
    rv = auth.upload(account, b"landed anyway", "landed.txt")
    monkeypatch.undo()
    assert rv.status_code == 500
    files = client.get("/api/v1/files", headers=account.headers).get_json()["files"]
    assert [f["name"] for f in files] == ["landed.txt"]
    download = client.get(f"/api/v1/files/{files[0]['id']}/download", headers=account.headers)
    assert download.status_code == 200 and download.data == b"landed anyway"


def test_a_duplicate_name_is_kept_as_name_2_by_form_and_by_tus(client, auth):
    """Both ways in answer with the name the file was stored under (docs/design.md)."""
    account = auth.user()
    assert auth.file(account, name="notas.txt")["name"] == "notas.txt"
    assert auth.file(account, name="notas.txt")["name"] == "notas (2).txt"
    path = auth.tus_create(account, 5, name="notas.txt")
    rv = auth.tus_patch(account, path, 0, b"hello")
    assert rv.status_code == 204
    file_id = rv.headers["Compartilha-File-Id"]
    meta = client.get(f"/api/v1/files/{file_id}", headers=account.headers).get_json()
    assert meta["file"]["name"] == "notas (3).txt"
    listed = client.get("/api/v1/files", headers=account.headers).get_json()["files"]
    assert sorted(f["name"] for f in listed) == ["notas (2).txt", "notas (3).txt", "notas.txt"]


@pytest.mark.parametrize("size", [0, 1000, 6 * 1024 * 1024 + 3])  # the last: hashed on a thread
def test_an_upload_stores_the_crc32_of_its_bytes(app, auth, size):
    app.config["MAX_UPLOAD_BYTES"] = 8 * 1024 * 1024
    data = (b"crc \x00\xff" * (size // 6 + 1))[:size]
    rv = auth.upload(auth.user(), data, "a.bin", "application/octet-stream")
    assert rv.status_code == 201
    with app.app_context():
        record = db.session.get(File, rv.get_json()["file"]["id"])
        assert record.crc32 == zlib.crc32(data)
