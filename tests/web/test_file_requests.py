"""The public side of an upload link: a visitor with no account sends files into the
owner's folder, within the link's limits, and sees nothing of the owner's."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from compartilha.extensions import db
from compartilha.models import File
from tests.helpers import error_code

JSON = {"Accept": "application/json"}


@pytest.fixture
def owner(auth):
    return auth.user(name="Dona Ana")


def make(client, owner, **options) -> dict:
    rv = client.post("/api/v1/requests", headers=owner.headers, json={"title": "Fotos", **options})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["request"]


def send(visitor, token: str, data: bytes, name: str = "foto.jpg", **fields):
    return visitor.post(f"/r/{token}/files", headers=JSON, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(data), name, "image/jpeg"), **fields})


def stored_files(app) -> list[Path]:
    root = Path(app.config["STORAGE_URL"].removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]


def test_a_visitor_sends_a_file_and_the_owner_gets_it_with_provenance(app, client, owner):
    link = make(client, owner, require_name=True, message="Só as melhores")
    visitor = app.test_client()
    page = visitor.get(f"/r/{link['token']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Fotos" in html and "Só as melhores" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="uploader_name"' in html

    rv = send(visitor, link["token"], b"jpeg bytes")
    assert rv.status_code == 422 and rv.get_json()["error"]["field"] == "uploader_name"
    assert stored_files(app) == []

    rv = send(visitor, link["token"], b"jpeg bytes", uploader_name="  Rui  Barbosa ")
    assert rv.status_code == 201, rv.get_json()
    receipt = rv.get_json()["file"]
    assert receipt["sha256"] == hashlib.sha256(b"jpeg bytes").hexdigest()
    assert "id" not in receipt and "user_id" not in receipt

    mine = client.get("/api/v1/files", headers=owner.headers).get_json()["files"]
    assert [f["name"] for f in mine] == ["foto.jpg"]
    with app.app_context():
        record = db.session.get(File, mine[0]["id"])
        assert (record.request_id, record.sender_name, record.folder_id) == (
            link["id"], "Rui Barbosa", link["folder_id"])
        assert record.sender_ip
    counted = client.get(f"/api/v1/requests/{link['id']}", headers=owner.headers).get_json()
    assert (counted["request"]["files_received"], counted["request"]["bytes_received"]) == (1, 10)

    # The page form, without scripts: a receipt page.
    rv = visitor.post(f"/r/{link['token']}/files", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"x"), "b.txt", "text/plain"),
                            "uploader_name": "Rui"})
    assert rv.status_code == 201 and "b.txt" in rv.get_data(as_text=True)


def test_limits_refuse_and_leave_nothing(app, client, owner):
    link = make(client, owner, max_files=2, max_file_bytes=1000)
    visitor = app.test_client()
    rv = send(visitor, link["token"], b"x" * 1001)
    assert rv.status_code == 413 and error_code(rv) == "too_large"
    assert stored_files(app) == []
    assert send(visitor, link["token"], b"a").status_code == 201
    assert send(visitor, link["token"], b"b").status_code == 201
    rv = send(visitor, link["token"], b"c")
    assert rv.status_code == 410 and error_code(rv) == "request_full"
    assert len(stored_files(app)) == 2
    assert visitor.get(f"/r/{link['token']}").status_code == 410


def test_password_first_then_a_cookie_for_this_link(app, client, owner):
    link = make(client, owner, password="segredo")
    visitor = app.test_client()
    page = visitor.get(f"/r/{link['token']}").get_data(as_text=True)
    assert 'type="password"' in page and "Fotos" not in page.split("<main")[-1]
    rv = send(visitor, link["token"], b"x")
    assert rv.status_code == 401 and error_code(rv) == "password_required"
    assert stored_files(app) == []
    assert visitor.post(f"/r/{link['token']}", data={"password": "errada"}).status_code == 401
    assert visitor.post(f"/r/{link['token']}", data={"password": "segredo"}).status_code == 303
    assert send(visitor, link["token"], b"x").status_code == 201
    other = app.test_client()  # the field works too, for curl
    assert send(other, link["token"], b"y", password="segredo").status_code == 201


def test_unknown_revoked_and_expired_links(app, client, owner):
    link = make(client, owner)
    visitor = app.test_client()
    for token in ("nope", link["token"][:-1] + ("A" if link["token"][-1] != "A" else "B")):
        rv = visitor.get(f"/r/{token}", headers=JSON)
        assert rv.status_code == 404 and error_code(rv) == "request_not_found"
    client.delete(f"/api/v1/requests/{link['id']}", headers=owner.headers)
    rv = send(visitor, link["token"], b"x")
    assert rv.status_code == 410 and error_code(rv) == "request_revoked"
    page = visitor.get(f"/r/{link['token']}")
    assert page.status_code == 410 and "Foto" not in page.get_data(as_text=True)


def test_the_receipt_names_the_file_as_sent_never_as_the_folder_renamed_it(app, client, owner):
    """A second "relatorio.pdf" is stored as "relatorio (2).pdf" beside the first; telling
    the visitor so would tell them what the owner's folder already holds."""
    link = make(client, owner)
    assert send(app.test_client(), link["token"], b"one", name="relatorio.pdf").status_code == 201
    rv = send(app.test_client(), link["token"], b"pdf", name="relatorio.pdf")
    assert rv.status_code == 201 and rv.get_json()["file"]["name"] == "relatorio.pdf"
    names = {f["name"] for f in client.get("/api/v1/files", headers=owner.headers,
                                           query_string={"folder_id": link["folder_id"]})
             .get_json()["files"]}
    assert names == {"relatorio.pdf", "relatorio (2).pdf"}
    page = app.test_client().post(f"/r/{link['token']}/files",
                                  content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(b"x"), "relatorio.pdf", "a/b")})
    assert page.status_code == 201 and "(3)" not in page.get_data(as_text=True)
