"""Every password check is throttled, and so are tus creations and unknown link tokens:
429 with Retry-After, in the JSON error shape for the API and the error page for pages."""

import base64
import secrets

import pytest

from compartilha import crypto
from compartilha.extensions import db
from compartilha.models import Upload
from tests.helpers import error_code

TUS = {"Tus-Resumable": "1.0.0"}


def assert_throttled(rv, html=False):
    assert rv.status_code == 429
    assert int(rv.headers["Retry-After"]) > 0
    if html:
        assert "text/html" in rv.content_type
    else:
        assert error_code(rv) == "too_many_requests"


def change_password(client, account, current):
    return client.put("/api/v1/me/password", headers=account.headers,
                      json={"current_password": current, "new_password": "a new password"})


def delete_account(client, account, password):
    return client.delete("/api/v1/me", headers=account.headers, json={"password": password})


def count_hashes(monkeypatch):
    calls = []
    real = crypto.verify_password
    monkeypatch.setattr(crypto, "verify_password",
                        lambda *args: calls.append(1) or real(*args))
    return calls


def test_a_stolen_session_cannot_guess_the_password_on(client, auth, monkeypatch):
    account = auth.user()
    hashes = count_hashes(monkeypatch)
    for n in range(10):
        guess = change_password if n % 2 else delete_account
        assert guess(client, account, f"guess {n}").status_code == 403
    assert len(hashes) == 10
    # the limit is per account: the right password waits too, and no hash runs
    assert_throttled(change_password(client, account, account.password))
    assert_throttled(delete_account(client, account, account.password))
    assert len(hashes) == 10
    assert client.get("/api/v1/me", headers=account.headers).status_code == 200


def test_right_current_passwords_are_not_counted(client, auth):
    account = auth.user()
    for _ in range(9):
        assert change_password(client, account, "wrong").status_code == 403
    rv = client.put("/api/v1/me/password", headers=account.headers, json={
        "current_password": account.password, "new_password": "short"})
    assert rv.status_code == 422  # the current one was right: this attempt is given back
    assert change_password(client, account, "wrong").status_code == 403  # the tenth
    assert_throttled(change_password(client, account, "wrong"))


def test_wrong_link_passwords_counted_before_the_hash(client, auth, monkeypatch):
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    token = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                        json={"password": "abre-te sesamo"}).get_json()["share"]["token"]
    hashes = count_hashes(monkeypatch)
    for _ in range(10):
        assert client.post(f"/s/{token}/download", data={"password": "x"}).status_code == 401
    assert_throttled(client.post(f"/s/{token}/download", data={"password": "abre-te sesamo"},
                                 headers={"Accept": "application/json"}))
    assert len(hashes) == 10


def create_upload(client, account, length=10, addr="127.0.0.1"):
    return client.post("/api/v1/uploads", environ_base={"REMOTE_ADDR": addr}, headers={
        **TUS, **account.headers, "Upload-Length": str(length),
        "Upload-Metadata": "filename " + base64.b64encode(b"a.bin").decode()})


@pytest.fixture
def tus_app(app):
    app.config.update(RATELIMIT_UPLOAD="1000 per hour", UPLOAD_MAX_UNFINISHED=3,
                      UPLOAD_MAX_UNFINISHED_BYTES=3000)
    from compartilha.services import throttle

    throttle.init_app(app)
    return app


def test_tus_creations_share_the_upload_rate(app, client, auth):
    account = auth.user()
    app.config.update(RATELIMIT_UPLOAD="4 per hour")
    from compartilha.services import throttle

    throttle.init_app(app)
    assert auth.upload(account).status_code == 201
    for _ in range(3):
        assert create_upload(client, account).status_code == 201
    assert_throttled(create_upload(client, account))
    assert_throttled(auth.upload(account))


def test_a_user_holds_a_bounded_number_of_unfinished_uploads(tus_app, client, auth):
    account, other = auth.user(), auth.user()
    urls = [create_upload(client, account).headers["Location"] for _ in range(3)]
    refused = create_upload(client, account)
    assert refused.status_code == 429 and error_code(refused) == "too_many_unfinished_uploads"
    assert int(refused.headers["Retry-After"]) > 0
    assert create_upload(client, other).status_code == 201  # others are not affected
    assert client.delete(urls[0], headers={**TUS, **account.headers}).status_code == 204
    assert create_upload(client, account).status_code == 201
    with tus_app.app_context():
        assert db.session.query(Upload).count() == 3 + 1


def test_a_user_declares_a_bounded_number_of_unfinished_bytes(tus_app, client, auth):
    account = auth.user()
    assert create_upload(client, account, 1500).status_code == 201
    refused = create_upload(client, account, 1501)
    assert refused.status_code == 429 and error_code(refused) == "too_many_unfinished_uploads"
    assert create_upload(client, account, 1500).status_code == 201


def test_unknown_link_tokens_are_throttled_per_client(client, auth):
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    real = client.post(f"/api/v1/files/{file_id}/shares",
                       headers=owner.headers).get_json()["share"]["token"]
    paths = ["/s/{}", "/s/{}/download", "/s/{}/preview"]
    for n in range(30):
        token = secrets.token_urlsafe(32)
        assert client.get(paths[n % 3].format(token)).status_code == 404
    assert_throttled(client.get(f"/s/{secrets.token_urlsafe(32)}"), html=True)
    json_answer = client.get(f"/s/{secrets.token_urlsafe(32)}/download",
                             headers={"Accept": "application/json"})
    assert_throttled(json_answer)
    # past the limit a real link answers the same, or the answers would tell hits apart
    assert client.get(f"/s/{real}").status_code == 429
    assert client.get(f"/s/{real}", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200


def test_opening_real_links_counts_nothing(client, auth):
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    token = client.post(f"/api/v1/files/{file_id}/shares",
                        headers=owner.headers).get_json()["share"]["token"]
    for _ in range(40):
        assert client.get(f"/s/{token}").status_code == 200
