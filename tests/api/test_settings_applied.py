"""Each setting applies where its environment variable did, at once, with no restart:
the largest upload (multipart and tus), blocked extensions, the longest expiry, a new
link's default expiry and download limit, who may create public and upload links."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import TUS

URL = "/api/v1/admin/settings"


@pytest.fixture
def people(auth):
    """The instance's first account (its admin) and a second one (a user)."""
    return auth.user(name="Ada"), auth.user(name="Bia")


def _set(client, admin, **changes):
    rv = client.patch(URL, headers=admin.headers, json=changes)
    assert rv.status_code == 200, rv.get_json()


def _tus(client, account, length, name="a.bin"):
    meta = "filename " + base64.b64encode(name.encode()).decode()
    return client.post("/api/v1/uploads", headers={
        **TUS, **account.headers, "Upload-Length": str(length), "Upload-Metadata": meta})


def test_max_upload_bytes_is_413_on_multipart_and_tus_at_once(client, people, auth):
    admin, user = people
    assert auth.upload(user, b"x" * 100).status_code == 201
    _set(client, admin, max_upload_bytes=50)
    big = auth.upload(user, b"x" * 100)
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "too_large"
    assert _tus(client, user, 100).status_code == 413
    assert _tus(client, user, 50).status_code == 201
    assert client.options("/api/v1/uploads", headers=TUS).headers["Tus-Max-Size"] == "50"
    assert auth.upload(user, b"x" * 50).status_code == 201
    _set(client, admin, max_upload_bytes=200)
    assert auth.upload(user, b"x" * 150).status_code == 201


def test_a_blocked_extension_is_refused_on_every_way_in(client, people, auth):
    admin, user = people
    assert auth.upload(user, b"MZ", "tool.exe").status_code == 201
    _set(client, admin, blocked_extensions=["exe", "bat"])
    refused = auth.upload(user, b"MZ", "other.EXE")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "upload_refused"
    assert _tus(client, user, 2, "x.bat").status_code == 422
    assert auth.upload(user, b"ok", "fine.txt").status_code == 201
    _set(client, admin, blocked_extensions=[])
    assert auth.upload(user, b"MZ", "again.exe").status_code == 201


def test_share_max_days_limits_the_expiry(client, people, auth):
    admin, user = people
    file_id = auth.file(user)["id"]
    _set(client, admin, share_max_days=5)
    far = (datetime.now(UTC) + timedelta(days=6)).isoformat()
    rv = client.post(f"/api/v1/files/{file_id}/shares", headers=user.headers,
                     json={"expires_at": far})
    assert rv.status_code == 422 and "expires_at" in rv.get_json()["error"]["fields"]
    near = (datetime.now(UTC) + timedelta(days=4)).isoformat()
    assert auth.share(user, file_id, expires_at=near)["expires_at"]


def test_a_new_links_defaults_apply_when_its_owner_gives_none(client, people, auth):
    admin, user = people
    file_id = auth.file(user)["id"]
    plain = auth.share(user, file_id)
    assert plain["expires_at"] is None and plain["max_downloads"] is None
    _set(client, admin, default_share_days=3, default_max_downloads=10)
    made = auth.share(user, file_id)
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=3) - timedelta(minutes=5) < expires - datetime.now(UTC) \
        <= timedelta(days=3)
    assert made["max_downloads"] == 10
    chosen = auth.share(user, file_id, expires_at=None, max_downloads=2)
    assert chosen["expires_at"] is None and chosen["max_downloads"] == 2
    several = client.post("/api/v1/shares", headers=user.headers,
                          json={"file_ids": [file_id, auth.file(user)["id"]]})
    assert several.status_code == 201 and several.get_json()["share"]["max_downloads"] == 10


def test_public_links_off_refuses_users_but_not_admins_or_recipients(client, people, auth):
    admin, user = people
    _set(client, admin, users_may_create_public_links=False)
    file_id = auth.file(user)["id"]
    refused = client.post(f"/api/v1/files/{file_id}/shares", headers=user.headers, json={})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "public_links_disabled"
    several = client.post("/api/v1/shares", headers=user.headers, json={"file_ids": [file_id]})
    assert several.status_code == 403
    addressed = auth.share(user, file_id, recipient_email="carla@example.com")
    assert addressed["recipient_email"] == "carla@example.com"
    assert auth.share(admin, auth.file(admin)["id"])["token"]  # an admin still may
    _set(client, admin, users_may_create_public_links=True)
    assert auth.share(user, file_id)["token"]


def test_upload_links_off_refuses_users_but_not_admins(client, people):
    admin, user = people
    _set(client, admin, users_may_create_upload_links=False)
    refused = client.post("/api/v1/requests", headers=user.headers, json={"title": "Fotos"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "upload_links_disabled"
    assert client.post("/api/v1/requests", headers=admin.headers,
                       json={"title": "Fotos"}).status_code == 201
    _set(client, admin, users_may_create_upload_links=True)
    assert client.post("/api/v1/requests", headers=user.headers,
                       json={"title": "Fotos"}).status_code == 201


def test_pages_follow_the_switches_and_defaults(app, client, people, auth):
    admin, user = people
    _set(client, admin, users_may_create_upload_links=False, default_share_days=3,
         default_max_downloads=10)
    page = app.test_client()
    page.post("/login", data={"email": user.email, "password": user.password})
    links = page.get("/requests").get_data(as_text=True)
    assert 'href="/requests/new"' not in links and "administrador" in links
    assert page.get("/requests/new").status_code == 403
    files = page.get("/files").get_data(as_text=True)
    assert 'value="259200" selected' in files  # the dialog's expiry: 3 days
    assert 'id="s-max" name="max_downloads"' in files and 'value="10"' in files
