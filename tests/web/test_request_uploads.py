"""tus through an upload link (`/r/<token>/uploads`): authorised by the link, within its
limits, re-checked at every request; the visitor's receipt and nothing of the owner's."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import File, FileRequest, Upload
from compartilha.models.columns import utcnow
from tests.helpers import error_code
from tests.web.test_file_requests import make, stored_files

TUS = {"Tus-Resumable": "1.0.0", "Accept": "application/json"}
BYTES = "application/offset+octet-stream"


@pytest.fixture
def owner(auth):
    return auth.user(name="Dona Ana")


def meta(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def create(visitor, token: str, length: int, **pairs: str):
    pairs.setdefault("filename", "foto.jpg")
    return visitor.post(f"/r/{token}/uploads", headers={
        **TUS, "Upload-Length": str(length), "Upload-Metadata": meta(**pairs)})


def patch(visitor, location: str, offset: int, data: bytes):
    return visitor.patch(location, data=data, headers={
        **TUS, "Upload-Offset": str(offset), "Content-Type": BYTES})



def location(rv) -> str:
    url = rv.headers["Location"]
    return url[url.index("/r/"):]


def upload(visitor, token: str, data: bytes, chunk: int = 0, **pairs: str) -> str:
    rv = create(visitor, token, len(data), **pairs)
    assert rv.status_code == 201, rv.get_json()
    where, offset = location(rv), 0
    step = chunk or len(data) or 1
    while offset < len(data):
        rv = patch(visitor, where, offset, data[offset:offset + step])
        assert rv.status_code == 204, rv.get_json()
        offset = int(rv.headers["Upload-Offset"])
    return where


def owners_files(client, owner) -> list[dict]:
    return client.get("/api/v1/files", headers=owner.headers).get_json()["files"]


def test_a_visitor_uploads_by_tus_and_the_owner_gets_it_with_provenance(app, client, owner):
    link = make(client, owner, require_name=True)
    visitor = app.test_client()
    options = visitor.options(f"/r/{link['token']}/uploads")
    assert options.status_code == 204 and "creation" in options.headers["Tus-Extension"]
    assert "concatenation" not in options.headers["Tus-Extension"]

    refused = create(visitor, link["token"], 10)
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "uploader_name"

    data = b"0123456789" * 100
    where = upload(visitor, link["token"], data, chunk=300, uploader_name="Rui Barbosa",
                   uploader_email="rui@example.com", filetype="image/jpeg")
    head = visitor.head(where, headers=TUS)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "1000"
    receipt = visitor.get(where).get_json()["file"]
    assert receipt["name"] == "foto.jpg" and receipt["size"] == 1000
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    assert set(receipt) == {"name", "size", "type", "sha256", "created_at"}

    mine = owners_files(client, owner)
    assert [f["name"] for f in mine] == ["foto.jpg"]
    with app.app_context():
        record = db.session.get(File, mine[0]["id"])
        assert (record.request_id, record.sender_name, record.sender_email, record.folder_id,
                record.sent_name) == (link["id"], "Rui Barbosa", "rui@example.com",
                                      link["folder_id"], "foto.jpg")
        assert record.sender_ip
    counted = client.get(f"/api/v1/requests/{link['id']}", headers=owner.headers).get_json()
    assert (counted["request"]["files_received"], counted["request"]["bytes_received"]) == (
        1, 1000)


def test_the_receipt_answers_404_before_the_end_and_to_another_link(app, client, owner):
    link, other = make(client, owner), make(client, owner, title="Outro")
    visitor = app.test_client()
    rv = create(visitor, link["token"], 10)
    where = location(rv)
    assert visitor.get(where).status_code == 404
    assert patch(visitor, where, 0, b"0123456789").status_code == 204
    assert visitor.get(where).status_code == 200
    elsewhere = where.replace(link["token"], other["token"])
    assert visitor.get(elsewhere).status_code == 404
    assert visitor.head(elsewhere, headers=TUS).status_code == 404
    # The owner's own tus endpoint does not know a visitor's upload.
    token = where.rsplit("/", 1)[1]
    assert client.head(f"/api/v1/uploads/{token}", headers={**TUS, **owner.headers}
                       ).status_code == 404


def test_creation_with_upload_and_an_empty_file(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    rv = visitor.post(f"/r/{link['token']}/uploads", data=b"hello", headers={
        **TUS, "Upload-Length": "5", "Upload-Metadata": meta(filename="a.txt"),
        "Content-Type": BYTES})
    assert rv.status_code == 201 and rv.headers["Upload-Offset"] == "5"
    rv = create(visitor, link["token"], 0, filename="empty.txt")
    assert rv.status_code == 201 and rv.headers["Upload-Offset"] == "0"
    assert sorted(f["name"] for f in owners_files(client, owner)) == ["a.txt", "empty.txt"]


def test_resume_after_an_interruption(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    data = bytes(range(256)) * 40
    rv = create(visitor, link["token"], len(data), filename="big.bin")
    where = location(rv)
    assert patch(visitor, where, 0, data[:4000]).status_code == 204
    # The client lost its place: HEAD tells it, a wrong offset is 409.
    assert patch(visitor, where, 100, data[100:200]).status_code == 409
    offset = int(visitor.head(where, headers=TUS).headers["Upload-Offset"])
    assert offset == 4000
    assert patch(visitor, where, offset, data[offset:]).status_code == 204
    assert visitor.get(where).get_json()["file"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_limits_are_checked_at_creation_before_any_byte(app, client, owner):
    link = make(client, owner, max_files=2, max_file_bytes=1000, max_total_bytes=1500)
    visitor = app.test_client()
    rv = create(visitor, link["token"], 1001)
    assert rv.status_code == 413 and error_code(rv) == "too_large"
    upload(visitor, link["token"], b"x" * 1000)
    rv = create(visitor, link["token"], 501)
    assert rv.status_code == 413 and error_code(rv) == "too_large"
    upload(visitor, link["token"], b"x" * 500, filename="b.jpg")
    rv = create(visitor, link["token"], 1)
    assert rv.status_code == 410 and error_code(rv) == "request_full"
    app.config["MAX_UPLOAD_BYTES"] = 100
    other = make(client, owner, title="Outro")
    rv = create(visitor, other["token"], 101)
    assert rv.status_code == 413
    with app.app_context():
        assert db.session.query(Upload).count() == 0


def test_the_password_by_metadata_or_by_the_pages_cookie(app, client, owner):
    link = make(client, owner, password="senha secreta")
    visitor = app.test_client()
    rv = create(visitor, link["token"], 3)
    assert rv.status_code == 401
    rv = create(visitor, link["token"], 3, password="errada")
    assert rv.status_code == 401
    rv = create(visitor, link["token"], 3, password="senha secreta")
    assert rv.status_code == 201
    # The page's form sets the cookie: then no password in the metadata.
    browser = app.test_client()
    assert browser.post(f"/r/{link['token']}", data={"password": "senha secreta"}
                        ).status_code == 303
    rv = create(browser, link["token"], 3)
    assert rv.status_code == 201
    # The upload's URL is the handle: PATCH needs nothing more.
    assert patch(app.test_client(), location(rv), 0, b"abc").status_code == 204


def test_revoked_mid_upload_refuses_the_next_patch_and_keeps_nothing(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    rv = create(visitor, link["token"], 100)
    where = location(rv)
    assert patch(visitor, where, 0, b"x" * 50).status_code == 204
    assert client.delete(f"/api/v1/requests/{link['id']}", headers=owner.headers
                         ).status_code == 204
    rv = patch(visitor, where, 50, b"x" * 50)
    assert rv.status_code == 410 and error_code(rv) == "request_revoked"
    assert visitor.head(where, headers=TUS).status_code == 410
    assert owners_files(client, owner) == []
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.query(Upload).count() == 0


def test_revoking_drops_idle_unfinished_uploads(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    for _ in range(3):
        assert patch(visitor, location(create(visitor, link["token"], 100)), 0, b"x" * 10
                     ).status_code == 204
    assert client.delete(f"/api/v1/requests/{link['id']}", headers=owner.headers
                         ).status_code == 204
    with app.app_context():
        assert db.session.query(Upload).count() == 0
    assert stored_files(app) == []


def test_expired_mid_upload(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    where = location(create(visitor, link["token"], 100))
    with app.app_context():
        db.session.get(FileRequest, link["id"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    rv = patch(visitor, where, 0, b"x" * 100)
    assert rv.status_code == 410 and error_code(rv) == "request_expired"
    assert stored_files(app) == [] and owners_files(client, owner) == []
    rv = create(visitor, link["token"], 1)
    assert rv.status_code == 410 and error_code(rv) == "request_expired"


def test_a_link_full_meanwhile_refuses_the_last_byte(app, client, owner):
    link = make(client, owner, max_files=1)
    visitor = app.test_client()
    first, second = (location(create(visitor, link["token"], 10)) for _ in range(2))
    assert patch(visitor, first, 0, b"x" * 10).status_code == 204
    rv = patch(visitor, second, 0, b"y" * 10)
    assert rv.status_code == 410 and error_code(rv) == "request_full"
    assert len(owners_files(client, owner)) == 1 and len(stored_files(app)) == 1


def test_unfinished_uploads_per_link_are_capped(app, client, owner):
    app.config["REQUEST_MAX_UNFINISHED"] = 2
    link = make(client, owner)
    visitor = app.test_client()
    assert create(visitor, link["token"], 5).status_code == 201
    where = location(create(visitor, link["token"], 5))
    rv = create(visitor, link["token"], 5)
    assert rv.status_code == 429 and error_code(rv) == "request_too_many_unfinished"
    assert visitor.delete(where, headers=TUS).status_code == 204
    assert create(visitor, link["token"], 5).status_code == 201
    # The owner's own uploads are not held up by a visitor's.
    rv = client.post("/api/v1/uploads", headers={**TUS, **owner.headers, "Upload-Length": "5"})
    assert rv.status_code == 201


def test_uploads_are_throttled_per_address_and_per_link(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    from compartilha.services import throttle
    with app.app_context():
        rate = throttle.rate("request-upload")
    for _ in range(rate.limit):
        assert create(visitor, link["token"], 0).status_code == 201
    rv = create(visitor, link["token"], 0)
    assert rv.status_code == 429 and rv.headers["Retry-After"]
