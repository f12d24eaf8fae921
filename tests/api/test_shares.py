import pytest

from tests.helpers import error_code

pytestmark = pytest.mark.both_storages  # local folder and S3


@pytest.fixture
def shared(client, auth):
    account = auth.user()
    meta = auth.upload(account, b"shared bytes", "nota.txt").get_json()["file"]
    rv = client.post(f"/api/v1/files/{meta['id']}/shares", headers=account.headers)
    assert rv.status_code == 201
    return account, meta, rv.get_json()["share"]


def test_create_share(shared):
    _, meta, share = shared
    assert share["file_id"] == meta["id"]
    assert len(share["token"]) >= 22  # >= 128 bits in URL-safe base64
    assert share["url"].endswith(f"/s/{share['token']}")
    assert share["state"] == "active"
    assert set(share) >= {"id", "token", "url", "file_id", "created_at"}


def test_tokens_are_unique(client, shared):
    account, meta, share = shared
    tokens = {share["token"]}
    for _ in range(20):
        rv = client.post(f"/api/v1/files/{meta['id']}/shares", headers=account.headers)
        tokens.add(rv.get_json()["share"]["token"])
    assert len(tokens) == 21


def test_public_page_and_download_without_account(app, shared):
    _, meta, share = shared
    anonymous = app.test_client()
    page = anonymous.get(f"/s/{share['token']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "nota.txt" in html and "12" in html and f"/s/{share['token']}/download" in html
    rv = anonymous.get(f"/s/{share['token']}/download")
    assert rv.status_code == 200
    assert rv.data == b"shared bytes"
    assert rv.headers["Content-Disposition"].startswith("attachment;")
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    rv = anonymous.get(f"/s/{share['token']}/download", headers={"Range": "bytes=0-5"})
    assert rv.status_code == 206 and rv.data == b"shared"


def test_unknown_and_case_variant_tokens_are_404(client, shared):
    _, _, share = shared
    token = share["token"]
    variants = [token.swapcase(), token.upper(), token.lower(), token + " ", token[:-1],
                "x" * 43, "../" + token]
    for variant in {v for v in variants if v != token}:
        assert client.get(f"/s/{variant}").status_code == 404, variant
        assert client.get(f"/s/{variant}/download").status_code == 404, variant


def test_revoke_makes_link_410_at_once(client, shared):
    account, _, share = shared
    rv = client.delete(f"/api/v1/shares/{share['id']}", headers=account.headers)
    assert rv.status_code == 204
    assert client.get(f"/s/{share['token']}").status_code == 410
    assert client.get(f"/s/{share['token']}/download").status_code == 410
    rv = client.get(f"/s/{share['token']}/download", headers={"Accept": "application/json"})
    assert rv.status_code == 410 and error_code(rv) == "share_revoked"
    listed = client.get("/api/v1/shares", headers=account.headers).get_json()["shares"]
    assert listed[0]["state"] == "revoked"
    # revoking twice is harmless
    again = client.delete(f"/api/v1/shares/{share['id']}", headers=account.headers)
    assert again.status_code == 204


def test_list_my_shares_only(client, auth, shared):
    account, meta, share = shared
    other = auth.user()
    assert client.get("/api/v1/shares", headers=other.headers).get_json()["shares"] == []
    mine = client.get("/api/v1/shares", headers=account.headers).get_json()["shares"]
    assert [s["id"] for s in mine] == [share["id"]]
    assert mine[0]["file_name"] == "nota.txt"


def test_cannot_share_or_revoke_others(client, auth, shared):
    _, meta, share = shared
    other = auth.user()
    rv = client.post(f"/api/v1/files/{meta['id']}/shares", headers=other.headers)
    assert rv.status_code == 404 and error_code(rv) == "file_not_found"
    rv = client.delete(f"/api/v1/shares/{share['id']}", headers=other.headers)
    assert rv.status_code == 404 and error_code(rv) == "share_not_found"
    assert client.get(f"/s/{share['token']}").status_code == 200


def test_share_missing_file_is_404(client, auth):
    account = auth.user()
    rv = client.post("/api/v1/files/12345/shares", headers=account.headers)
    assert rv.status_code == 404
