"""tus concatenation: tus-js-client's parallelUploads makes partial uploads that are never
files, and a final upload that joins them, in order, into one; refusals leave no trace."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta

import pytest
import requests

from compartilha.extensions import db
from compartilha.models import Upload
from compartilha.models.columns import utcnow
from compartilha.storage import get_storage
from tests.clients import tus_js
from tests.helpers import unfinished_uploads
from tests.uploads.test_tus import TUS, head, my_files, patch

pytestmark = pytest.mark.both_storages  # local folder and S3


def partial(base, account, data: bytes, length: int | None = None) -> str:
    length = len(data) if length is None else length
    rv = requests.post(f"{base}/api/v1/uploads", timeout=10, headers={
        **TUS, **account.headers, "Upload-Length": str(length), "Upload-Concat": "partial"})
    assert rv.status_code == 201, rv.text
    url = rv.headers["Location"]
    if data:
        assert patch(url, account, 0, data).status_code == 204
    return url


def final(base, account, urls, name="junto.bin"):
    meta = "filename " + base64.b64encode(name.encode()).decode()
    return requests.post(f"{base}/api/v1/uploads", timeout=30, headers={
        **TUS, **account.headers, "Upload-Concat": "final;" + " ".join(urls),
        "Upload-Metadata": meta})


def rows(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Upload.id)))


def test_tus_js_client_parallel_uploads_make_one_file(live_server, auth, app, tmp_path):
    account = auth.user()
    data = os.urandom(1_000_003)
    path = tmp_path / "grande.bin"
    path.write_bytes(data)
    result = tus_js(f"{live_server}/api/v1/uploads", account.token, path,
                    parallelUploads=4, name="grande.bin")
    assert result["ok"], result
    assert result["requests"].count("POST 201") == 5  # four partials and the final
    [meta] = my_files(live_server, account)["files"]
    assert meta["name"] == "grande.bin" and meta["size"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert str(meta["id"]) == result["fileId"]
    got = requests.get(f"{live_server}/api/v1/files/{meta['id']}/download",
                       headers=account.headers, timeout=10)
    assert got.content == data
    assert rows(app) == 0 and unfinished_uploads(app) == []
    done = head(result["url"], account)
    assert done.headers["Upload-Offset"] == done.headers["Upload-Length"] == str(len(data))


def test_discovery_advertises_concatenation(client):
    assert "concatenation" in client.options("/api/v1/uploads").headers["Tus-Extension"]


def test_a_partial_is_never_a_file(live_server, auth):
    account = auth.user()
    url = partial(live_server, account, b"abc")
    rv = head(url, account)
    assert rv.headers["Upload-Concat"] == "partial" and rv.headers["Upload-Offset"] == "3"
    assert my_files(live_server, account)["files"] == []


def test_another_users_or_unfinished_partial_is_refused(live_server, auth, app):
    owner, other = auth.user(), auth.user()
    mine = partial(live_server, owner, b"abc")
    theirs = partial(live_server, other, b"def")
    rv = final(live_server, owner, [mine, theirs])
    assert rv.status_code == 404 and rv.json()["error"]["code"] == "upload_not_found"
    half = partial(live_server, owner, b"", length=3)
    rv = final(live_server, owner, [mine, half])
    assert rv.status_code == 400 and rv.json()["error"]["code"] == "partial_upload_unfinished"
    rv = final(live_server, owner, [mine, "http://elsewhere.example/x"])
    assert rv.status_code == 400
    assert my_files(live_server, owner)["files"] == [] == my_files(live_server, other)["files"]
    assert rows(app) == 3 and head(theirs, other).headers["Upload-Offset"] == "3"
    rv = final(live_server, owner, [mine])
    assert rv.status_code == 201 and rv.headers["Upload-Offset"] == "3"


def test_a_failed_final_leaves_no_trace_and_can_be_sent_again(live_server, auth, app,
                                                              monkeypatch):
    account = auth.user()
    urls = [partial(live_server, account, b"x" * 1000), partial(live_server, account, b"y")]
    with app.app_context():
        storage = type(get_storage())
    real = storage.finish_upload

    def broken(self, handle):
        raise OSError("the disk went away")

    monkeypatch.setattr(storage, "finish_upload", broken)
    rv = final(live_server, account, urls)
    assert rv.status_code >= 500
    assert rows(app) == 2 and len(unfinished_uploads(app)) == 2  # the partials, as they were
    monkeypatch.setattr(storage, "finish_upload", real)
    rv = final(live_server, account, urls)
    assert rv.status_code == 201, rv.text
    [meta] = my_files(live_server, account)["files"]
    assert meta["sha256"] == hashlib.sha256(b"x" * 1000 + b"y").hexdigest()
    assert rows(app) == 0 and unfinished_uploads(app) == []


def test_partials_expire_like_other_unfinished_uploads(live_server, auth, app, runner):
    account = auth.user()
    partial(live_server, account, b"abc")
    with app.app_context():
        db.session.execute(db.update(Upload).values(expires_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    result = runner.invoke(args=["cleanup"])
    assert "removed 1 expired unfinished uploads" in result.output
    assert rows(app) == 0 and unfinished_uploads(app) == []
