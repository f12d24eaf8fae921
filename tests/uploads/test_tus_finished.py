"""A finished upload's URL keeps answering until it would have expired (HEAD: offset =
length; a repeated last PATCH: the same answer), so a client that lost the last answer,
or resumes a stored URL, finishes without sending the file again: tuspy, tus-js-client."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import File
from compartilha.models.columns import utcnow
from tests.clients import tus_js
from tests.uploads.test_tus import create, head, my_files, patch, uploader

pytestmark = pytest.mark.both_storages  # local folder and S3


def test_head_and_last_patch_of_a_finished_upload(live_server, auth, app):
    account = auth.user()
    url = create(live_server, account, 6, name="relatório.txt")
    last = patch(url, account, 0, b"abcdef")
    assert last.status_code == 204 and "Compartilha-File-Id" in last.headers
    done = head(url, account)
    assert done.status_code == 200
    assert done.headers["Upload-Offset"] == done.headers["Upload-Length"] == "6"
    assert done.headers["Upload-Expires"].endswith("GMT")
    meta = dict(item.split(" ") for item in done.headers["Upload-Metadata"].split(","))
    assert base64.b64decode(meta["filename"]).decode() == "relatório.txt"
    again = patch(url, account, 6, b"")  # the last answer was lost: sent once more
    assert again.status_code == 204 and again.headers["Upload-Offset"] == "6"
    assert again.headers["Compartilha-File-Id"] == last.headers["Compartilha-File-Id"]
    assert patch(url, account, 0, b"abcdef").status_code == 409
    assert patch(url, account, 6, b"g").status_code == 413
    assert len(my_files(live_server, account)["files"]) == 1
    assert head(url, auth.user()).status_code == 404  # not another user's
    with app.app_context():
        hours = app.config["UPLOAD_EXPIRY_HOURS"]
        db.session.execute(db.update(File).values(created_at=utcnow() - timedelta(hours=hours)))
        db.session.commit()
    assert head(url, account).status_code == 410  # as an unfinished one would


def test_tuspy_resumes_a_finished_url_without_a_second_file(live_server, auth):
    account = auth.user()
    data = os.urandom(50_000)
    first = uploader(live_server, account, data, chunk_size=20_000)
    first.upload()
    again = uploader(live_server, account, data, url=first.url)  # HEADs the stored URL
    assert again.offset == len(data)
    again.upload()
    assert [f["size"] for f in my_files(live_server, account)["files"]] == [len(data)]


def test_tus_js_client_finds_a_finished_upload_by_its_fingerprint(live_server, auth, tmp_path):
    account = auth.user()
    path = tmp_path / "a.bin"
    path.write_bytes(os.urandom(300_000))
    storage = tmp_path / "urls.json"
    endpoint = f"{live_server}/api/v1/uploads"
    first = tus_js(endpoint, account.token, path, chunkSize=100_000, urlStorage=str(storage))
    assert first["ok"] and not first["resumed"], first
    second = tus_js(endpoint, account.token, path, chunkSize=100_000, urlStorage=str(storage))
    assert second["ok"] and second["resumed"], second
    assert second["url"] == first["url"]
    assert second["requests"] == ["HEAD 200"]  # nothing sent again
    files = my_files(live_server, account)["files"]
    assert [f["size"] for f in files] == [300_000]

