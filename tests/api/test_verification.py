"""The API of mailed links: POST /auth/verify, /auth/verify/resend, /auth/password-reset,
/auth/password-reset/confirm, and `verified` in GET /me."""

from __future__ import annotations

from compartilha.services import throttle
from tests.helpers import error_code
from tests.mailbox import links_in, outbox


def token_in(app, to: str) -> str:
    message = [m for m in outbox(app) if m["To"] == to][-1]
    return links_in(message)[0].partition("#")[2]


def test_verify_with_the_mailed_token(app, client, auth):
    account = auth.user()
    me = client.get("/api/v1/me", headers=account.headers).get_json()["user"]
    assert me["verified"] is False
    token = token_in(app, account.email)
    assert client.post("/api/v1/auth/verify", json={"token": token}).status_code == 204
    me = client.get("/api/v1/me", headers=account.headers).get_json()["user"]
    assert me["verified"] is True
    rv = client.post("/api/v1/auth/verify", json={"token": token})
    assert rv.status_code == 404 and error_code(rv) == "invalid_token"


def test_resend_needs_a_session_and_mails_a_new_link(app, client, auth):
    account = auth.user()
    assert app.test_client().post("/api/v1/auth/verify/resend").status_code == 401
    rv = client.post("/api/v1/auth/verify/resend", headers=account.headers)
    assert rv.status_code == 204
    assert len([m for m in outbox(app) if m["To"] == account.email]) == 2


def test_a_reset_request_answers_the_same_for_any_address(app, client, auth):
    account = auth.user()
    known = client.post("/api/v1/auth/password-reset", json={"email": account.email})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "no@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    token = token_in(app, account.email)
    rv = client.post("/api/v1/auth/password-reset/confirm",
                     json={"token": token, "new_password": "short"})
    assert rv.status_code == 422
    rv = client.post("/api/v1/auth/password-reset/confirm",
                     json={"token": token, "new_password": "a brand new password"})
    assert rv.status_code == 204
    assert client.get("/api/v1/me", headers=account.headers).status_code == 401  # all ended
    rv = client.post("/api/v1/auth/login", json={"email": account.email,
                                                 "password": "a brand new password"})
    assert rv.status_code == 200
    rv = client.post("/api/v1/auth/password-reset/confirm",
                     json={"token": token, "new_password": "a third password"})
    assert rv.status_code == 404 and error_code(rv) == "invalid_token"


def test_reset_requests_are_throttled_per_client(app, client):
    app.extensions["compartilha.throttle"][1]["password-reset"] = throttle.parse_rate(
        "2 per hour")
    codes = [client.post("/api/v1/auth/password-reset", json={"email": "x@example.com"}
                         ).status_code for _ in range(3)]
    assert codes == [202, 202, 429]


def test_patch_me_email_needs_the_right_password(client, auth):
    account = auth.user()
    rv = client.patch("/api/v1/me", headers=account.headers,
                      json={"email": "new@example.com", "password": "wrong password"})
    assert rv.status_code == 403 and error_code(rv) == "wrong_password"
    rv = client.patch("/api/v1/me", headers=account.headers, json={"email": "new@example.com"})
    assert rv.status_code == 403 and error_code(rv) == "password_needed"
    rv = client.patch("/api/v1/me", headers=account.headers,
                      json={"email": "new@example.com", "password": account.password})
    assert rv.status_code == 200 and rv.get_json()["user"]["verified"] is False
