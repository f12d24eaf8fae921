"""Storage quotas through every way in: multipart (own, with a path, an upload link's),
tus (own, concatenated, an upload link's); what `GET /me` and the admins see."""

from __future__ import annotations

import base64
import io
import json

import pytest

from compartilha.extensions import db
from compartilha.models import Setting, User
from compartilha.storage import get_storage
from tests.helpers import TUS, error_code

MiB = 1024 * 1024


def _own_quota(app, email, quota_bytes=None, quota_files=None):
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        user.quota_bytes, user.quota_files = quota_bytes, quota_files
        db.session.commit()


def _default(app, key, value):
    with app.app_context():
        db.session.merge(Setting(key=key, value=json.dumps(value)))
        db.session.commit()


def _stored_files(app) -> list[str]:
    """Every file in the local storage folder, staged ones included (S3: none to list)."""
    with app.app_context():
        folder = getattr(get_storage(), "root", None)
    return [] if folder is None else sorted(str(p) for p in folder.rglob("*") if p.is_file())


def _me(client, account) -> dict:
    return client.get("/api/v1/me", headers=account.headers).get_json()["user"]


def _tus(client, account, length, name="a.bin", headers=None):
    meta = "filename " + base64.b64encode(name.encode()).decode()
    return client.post("/api/v1/uploads", headers={
        **TUS, **account.headers, "Upload-Length": str(length), "Upload-Metadata": meta,
        **(headers or {})})


def test_me_gives_the_effective_quota_and_usage(app, client, auth):
    ana = auth.user()
    auth.file(ana, b"x" * 100)
    me = _me(client, ana)
    assert (me["quota_bytes"], me["used_bytes"], me["quota_files"], me["used_files"]) == (
        None, 100, None, 1)
    _default(app, "default_quota_bytes", 10 * MiB)  # the setting applies at once
    _default(app, "default_quota_files", 5)
    assert _tus(client, ana, 1000).status_code == 201  # a reservation counts
    me = _me(client, ana)
    assert (me["quota_bytes"], me["used_bytes"], me["quota_files"], me["used_files"]) == (
        10 * MiB, 1100, 5, 2)
    _own_quota(app, ana.email, 2000, 7)
    me = _me(client, ana)
    assert (me["quota_bytes"], me["quota_files"]) == (2000, 7)


def test_multipart_over_the_quota_is_413_and_leaves_nothing(app, client, auth):
    ana = auth.user()
    auth.file(ana, b"a" * 900)
    _own_quota(app, ana.email, 1000)
    before = _stored_files(app)
    rv = auth.upload(ana, b"b" * 101, "b.txt")
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert rv.get_json()["error"]["message"] == (  # pt-BR unless asked otherwise
        "Cota de armazenamento excedida: 900 B de 1.000 B usados.")
    rv = client.post("/api/v1/files", headers={**ana.headers, "Accept-Language": "en"},
                     data={"file": (io.BytesIO(b"c" * 5000), "c.txt")})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"  # not too_large
    assert rv.get_json()["error"]["message"] == "Storage quota exceeded: 900 B of 1,000 B used."
    rv = client.post("/api/v1/files", headers=ana.headers,  # a folder upload
                     data={"file": (io.BytesIO(b"d" * 200), "d.txt"), "path": "x/y/d.txt"})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert _stored_files(app) == before
    assert auth.upload(ana, b"e" * 100, "e.txt").status_code == 201  # exactly full
    rv = auth.upload(ana, b"", "empty.txt")  # no room at all: refused before the body
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert _me(client, ana)["used_bytes"] == 1000


def test_the_message_is_translated_on_pages(app, client, auth):
    ana = auth.user()
    _own_quota(app, ana.email, 10 * MiB)
    auth.file(ana, b"a" * 600)
    _own_quota(app, ana.email, 1024 + 512)
    rv = client.post("/api/v1/files", headers={**ana.headers, "Accept-Language": "pt-BR"},
                     data={"file": (io.BytesIO(b"b" * 1000), "b.txt")})
    assert rv.get_json()["error"]["message"] == (
        "Cota de armazenamento excedida: 600 B de 1,5 KB usados.")
    rv = client.post("/api/v1/files", headers={**ana.headers, "Accept-Language": "en"},
                     data={"file": (io.BytesIO(b"b" * 1000), "b.txt")})
    assert rv.get_json()["error"]["message"] == "Storage quota exceeded: 600 B of 1.5 KB used."


def test_file_quota_refuses_one_more_file(app, client, auth):
    ana = auth.user()
    _own_quota(app, ana.email, None, 1)
    auth.file(ana, b"one")
    rv = client.post("/api/v1/files", headers={**ana.headers, "Accept-Language": "en"},
                     data={"file": (io.BytesIO(b"two"), "two.txt")})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert rv.get_json()["error"]["message"] == "File quota exceeded: 1 of 1 files stored."
    assert _tus(client, ana, 3).status_code == 413


def test_quota_zero_refuses_every_way(app, client, auth):
    ana = auth.user()
    _default(app, "default_quota_bytes", 0)
    assert error_code(auth.upload(ana, b"")) == "quota_exceeded"
    rv = _tus(client, ana, 0)
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    link = client.post("/api/v1/requests", headers=ana.headers,
                       json={"title": "t"}).get_json()["request"]
    rv = client.post(f"/r/{link['token']}/files", headers={"Accept": "application/json"},
                     data={"file": (io.BytesIO(b"x"), "x.txt")})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"


def test_tus_reserves_at_creation_and_completes_without_a_second_refusal(app, client, auth):
    ana = auth.user()
    _own_quota(app, ana.email, 1000)
    first = _tus(client, ana, 800)
    assert first.status_code == 201
    rv = _tus(client, ana, 201, headers={"Accept-Language": "en"})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert rv.get_json()["error"]["message"] == "Storage quota exceeded: 800 B of 1,000 B used."
    assert error_code(auth.upload(ana, b"m" * 201)) == "quota_exceeded"  # room is reserved
    path = first.headers["Location"].split("localhost", 1)[-1]
    rv = auth.tus_patch(ana, path, 0, b"q" * 800)
    assert rv.status_code == 204, rv.get_json()
    me = _me(client, ana)
    assert (me["used_bytes"], me["used_files"]) == (800, 1)
    assert _tus(client, ana, 200).status_code == 201


def test_concatenation_final_is_checked(app, client, auth):
    ana = auth.user()
    parts = []
    for data in (b"a" * 300, b"b" * 300):
        rv = _tus(client, ana, len(data), headers={"Upload-Concat": "partial"})
        assert rv.status_code == 201
        path = rv.headers["Location"].split("localhost", 1)[-1]
        assert auth.tus_patch(ana, path, 0, data).status_code == 204
        parts.append(path)
    auth.file(ana, b"c" * 100)
    _own_quota(app, ana.email, 650)  # lowered below the partials and the file
    rv = client.post("/api/v1/uploads", headers={
        **TUS, **ana.headers, "Upload-Concat": "final;" + " ".join(parts),
        "Upload-Metadata": "filename " + base64.b64encode(b"w.bin").decode()})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    _own_quota(app, ana.email, 700)
    rv = client.post("/api/v1/uploads", headers={
        **TUS, **ana.headers, "Upload-Concat": "final;" + " ".join(parts),
        "Upload-Metadata": "filename " + base64.b64encode(b"w.bin").decode()})
    assert rv.status_code == 201, rv.get_json()
    assert _me(client, ana)["used_bytes"] == 700


@pytest.fixture
def full_link(app, client, auth):
    """An upload link of an account with 500 of its 1000 bytes used."""
    ana = auth.user()
    auth.file(ana, b"a" * 500)
    _own_quota(app, ana.email, 1000)
    link = client.post("/api/v1/requests", headers=ana.headers,
                       json={"title": "t"}).get_json()["request"]
    return ana, link


def test_link_uploads_over_the_owners_quota_are_413_and_tell_no_figures(
        app, client, full_link):
    ana, link = full_link
    before = _stored_files(app)
    rv = client.post(f"/r/{link['token']}/files",
                     headers={"Accept": "application/json", "Accept-Language": "en"},
                     data={"file": (io.BytesIO(b"x" * 501), "x.txt")})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    assert rv.get_json()["error"]["message"] == "The recipient's storage is full."
    meta = "filename " + base64.b64encode(b"x.bin").decode()
    rv = client.post(f"/r/{link['token']}/uploads", headers={
        **TUS, "Upload-Length": "501", "Upload-Metadata": meta, "Accept-Language": "pt-BR"})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
    message = rv.get_json()["error"]["message"]
    assert message == "O armazenamento do destinatário está cheio." and "500" not in message
    assert _stored_files(app) == before
    rv = client.post(f"/r/{link['token']}/uploads", headers={
        **TUS, "Upload-Length": "500", "Upload-Metadata": meta})
    assert rv.status_code == 201  # exactly what is left: the link's upload reserves it
    assert error_code(auth_upload(client, ana, b"y")) == "quota_exceeded"


def auth_upload(client, account, data):
    return client.post("/api/v1/files", headers=account.headers,
                       data={"file": (io.BytesIO(data), "y.txt")})


def test_link_page_shows_the_refusal_translated(app, client, full_link):
    _, link = full_link
    rv = client.post(f"/r/{link['token']}/files", headers={"Accept": "text/html"},
                     data={"file": (io.BytesIO(b"x" * 600), "x.txt")})
    assert rv.status_code == 413
    page = rv.get_data(as_text=True)
    assert "O armazenamento do destinatário está cheio." in page and "500 B" not in page


def test_admins_change_the_file_quota_and_see_totals(app, client, auth):
    boss = auth.user(name="Boss")  # the first account is the admin
    ana = auth.user()
    auth.file(ana, b"a" * 10)
    auth.file(ana, b"b" * 20, "b.txt")
    auth.file(boss, b"c" * 5)
    with app.app_context():
        ana_id = db.session.query(User.id).filter_by(email=ana.email).scalar()
    rv = client.patch(f"/api/v1/admin/users/{ana_id}", headers=boss.headers,
                      json={"quota_files": 2})
    assert rv.status_code == 200 and rv.get_json()["user"]["quota_files"] == 2
    assert rv.get_json()["user"]["files"] == 2 and rv.get_json()["user"]["used_bytes"] == 30
    assert error_code(auth.upload(ana, b"third")) == "quota_exceeded"
    rv = client.patch(f"/api/v1/admin/users/{ana_id}", headers=boss.headers,
                      json={"quota_files": -1})
    assert rv.status_code == 422
    listing = client.get("/api/v1/admin/users?q=Boss", headers=boss.headers).get_json()
    assert listing["totals"] == {"users": 2, "files": 3, "bytes": 35}  # whatever `q` is
    rv = client.patch(f"/api/v1/admin/users/{ana_id}", headers=boss.headers,
                      json={"quota_files": None})
    assert rv.get_json()["user"]["quota_files"] is None
    assert auth.upload(ana, b"third").status_code == 201


class _Unread(io.BytesIO):
    """A body that must not be read (the test client only measures it)."""

    def _refuse(self, *args):
        raise AssertionError("the body was read")

    read = read1 = readline = readinto = _refuse


@pytest.mark.parametrize("quota", [0, 100])
def test_a_full_account_or_a_declared_body_past_the_room_is_refused_unread(
        app, client, auth, quota):
    ana = auth.user()
    _own_quota(app, ana.email, quota)
    body = b"x" * (10 if quota == 0 else 200_000)  # none fits / past the room and overhead
    rv = client.post("/api/v1/files", input_stream=_Unread(body), headers={
        **ana.headers, "Content-Type": "multipart/form-data; boundary=x"})
    assert rv.status_code == 413 and error_code(rv) == "quota_exceeded"
