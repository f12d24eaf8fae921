"""Personal API tokens through the API: made by a session (the secret shown once), used
as `Authorization: Bearer cmp_…` within their scopes, refused (401) once revoked,
expired, or their account disabled; and what ends them (docs/identity.md)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from compartilha.extensions import db
from compartilha.models import ApiToken, AuditEvent, Session
from compartilha.services import api_tokens, throttle
from tests.api.test_verification import token_in
from tests.helpers import error_code

SECRET = re.compile(r"cmp_[A-Za-z0-9_-]{43}")
EVERY = list(api_tokens.SCOPES)


def make(client, account, scopes=None, name="script", **extra):
    rv = client.post("/api/v1/me/tokens", headers=account.headers,
                     json={"name": name, "scopes": scopes or EVERY, **extra})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["token"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_is_made_shown_once_listed_without_its_secret(client, auth):
    ana = auth.user()
    made = make(client, ana, ["files:read", "files:write"], name="ShareX")
    assert SECRET.fullmatch(made["secret"])
    assert made["hint"] == made["secret"][:10] and made["hint"].startswith("cmp_")
    assert made["scopes"] == ["files:read", "files:write"]
    assert made["expires_at"] is None and made["expired"] is False
    assert made["last_used_at"] is None
    listed = client.get("/api/v1/me/tokens", headers=ana.headers).get_json()["tokens"]
    assert [t["id"] for t in listed] == [made["id"]]
    assert "secret" not in listed[0] and listed[0]["name"] == "ShareX"
    assert client.get("/api/v1/me", headers=bearer(made["secret"])).status_code == 403  # scope


def test_what_a_new_token_must_be(client, auth):
    ana = auth.user()
    for body, field in (({"name": "", "scopes": ["files:read"]}, "name"),
                        ({"name": "x" * 101, "scopes": ["files:read"]}, "name"),
                        ({"name": "x", "scopes": []}, "scopes"),
                        ({"name": "x", "scopes": ["admin"]}, "scopes"),
                        ({"name": "x", "scopes": ["files:read"],
                          "expires_at": "2020-01-01T00:00:00Z"}, "expires_at")):
        rv = client.post("/api/v1/me/tokens", headers=ana.headers, json=body)
        assert rv.status_code == 422, body
        assert field in rv.get_json()["error"]["fields"], rv.get_json()
    later = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    made = make(client, ana, ["files:read"], expires_at=later)
    assert made["expires_at"].startswith(later[:16])


def test_only_the_hash_is_stored_and_the_audit_log_never_holds_the_secret(app, client, auth):
    ana = auth.user()
    made = make(client, ana)
    assert client.delete(f"/api/v1/me/tokens/{made['id']}",
                         headers=ana.headers).status_code == 204
    with app.app_context():
        row = db.session.get(ApiToken, made["id"])
        assert row.token_hash == api_tokens.hash_secret(made["secret"])
        stored = db.session.execute(text("SELECT * FROM tokens_api")).all()
        assert made["secret"] not in repr(stored)
        assert made["secret"][10:] not in repr(stored)  # only the hint's characters
        audit = db.session.query(AuditEvent).filter(AuditEvent.action.like("token.%")).all()
        assert sorted(e.action for e in audit) == ["token.created", "token.revoked"]
        assert {e.target for e in audit} == {f"token:{made['id']}"}
        everything = repr([(e.action, e.target, e.details) for e in
                           db.session.query(AuditEvent).all()])
        assert made["secret"] not in everything and made["secret"][4:20] not in everything


def test_files_write_uploads_and_is_refused_the_shares_naming_the_scope(client, auth):
    ana = auth.user()
    made = make(client, ana, ["files:write"])
    up = client.post("/api/v1/files", headers=bearer(made["secret"]),
                     data={"file": (io.BytesIO(b"hi"), "a.txt")},
                     content_type="multipart/form-data")
    assert up.status_code == 201, up.get_json()
    shares = client.get("/api/v1/shares", headers=bearer(made["secret"]))
    assert shares.status_code == 403
    error = shares.get_json()["error"]
    assert error["code"] == "scope_missing" and error["field"] == "shares:read"
    assert "shares:read" in error["message"]
    listing = client.get("/api/v1/files", headers=bearer(made["secret"]))
    assert listing.status_code == 403 and listing.get_json()["error"]["field"] == "files:read"
    # The session sees the upload.
    files = client.get("/api/v1/files", headers=ana.headers).get_json()["files"]
    assert [f["name"] for f in files] == ["a.txt"]


def test_a_token_cannot_manage_tokens_or_the_account(client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    for method, path, body in (("POST", "/api/v1/me/tokens", {"name": "x",
                                                              "scopes": ["files:read"]}),
                               ("GET", "/api/v1/me/tokens", None),
                               ("DELETE", "/api/v1/me/tokens", None),
                               ("PUT", "/api/v1/me/password",
                                {"current_password": ana.password, "new_password": "n" * 12}),
                               ("DELETE", "/api/v1/me", {"password": ana.password}),
                               ("GET", "/api/v1/me/sessions", None),
                               ("POST", "/api/v1/auth/logout-all", None),
                               ("PATCH", "/api/v1/me", {"name": "Eve"})):
        rv = client.open(path, method=method, headers=bearer(secret), json=body)
        assert rv.status_code == 403, (method, path)
        assert error_code(rv) == "session_required", (method, path)
    assert client.get("/api/v1/me", headers=ana.headers).get_json()["user"]["name"] == "Ana"


def test_bad_unknown_revoked_and_expired_tokens_are_401(app, client, auth):
    ana = auth.user()
    one, two = make(client, ana), make(client, ana)
    assert client.get("/api/v1/me", headers=bearer(one["secret"])).status_code == 200
    for wrong in ("cmp_", "cmp_" + "A" * 43, one["secret"][:-1], one["secret"] + "A",
                  one["secret"].upper()):
        rv = client.get("/api/v1/me", headers=bearer(wrong))
        assert rv.status_code == 401, wrong
        assert rv.headers["WWW-Authenticate"] == "Bearer"
    assert client.delete(f"/api/v1/me/tokens/{one['id']}", headers=ana.headers
                         ).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(one["secret"])).status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{one['id']}", headers=ana.headers
                         ).status_code == 404
    with app.app_context():
        db.session.get(ApiToken, two["id"]).expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(two["secret"])).status_code == 401
    listed = client.get("/api/v1/me/tokens", headers=ana.headers).get_json()["tokens"]
    assert [(t["id"], t["expired"]) for t in listed] == [(two["id"], True)]


def test_revoking_them_all(client, auth):
    ana = auth.user()
    secrets = [make(client, ana)["secret"] for _ in range(3)]
    assert client.delete("/api/v1/me/tokens", headers=ana.headers).status_code == 204
    assert client.get("/api/v1/me/tokens", headers=ana.headers).get_json()["tokens"] == []
    for secret in secrets:
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_another_accounts_token_cannot_be_revoked(client, auth):
    ana, bia = auth.user(name="Ana"), auth.user(name="Bia")
    made = make(client, ana)
    rv = client.delete(f"/api/v1/me/tokens/{made['id']}", headers=bia.headers)
    assert rv.status_code == 404 and error_code(rv) == "token_not_found"
    assert client.get("/api/v1/me", headers=bearer(made["secret"])).status_code == 200


def test_a_token_sees_only_its_own_accounts_things(client, auth):
    ana, bia = auth.user(name="Ana"), auth.user(name="Bia")
    bias_file = auth.file(bia)
    secret = make(client, ana)["secret"]
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["user"]["name"] == "Ana"
    assert client.get(f"/api/v1/files/{bias_file['id']}",
                      headers=bearer(secret)).status_code == 404


def test_a_disabled_accounts_tokens_are_401_and_stay_revoked(client, auth):
    admin, ana = auth.user(name="Admin"), auth.user(name="Ana")
    secret = make(client, ana)["secret"]
    ana_id = client.get("/api/v1/me", headers=ana.headers).get_json()["user"]["id"]
    assert client.patch(f"/api/v1/admin/users/{ana_id}", headers=admin.headers,
                        json={"disabled": True}).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert client.patch(f"/api/v1/admin/users/{ana_id}", headers=admin.headers,
                        json={"disabled": False}).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_failed_token_authentications_are_throttled_per_address(app, client, auth):
    app.extensions["compartilha.throttle"][1]["token-miss"] = throttle.Rate(3, 900)
    ana = auth.user()
    good = make(client, ana)["secret"]
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bearer("cmp_" + "B" * 43)).status_code == 401
    refused = client.get("/api/v1/me", headers=bearer("cmp_" + "B" * 43))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    # Then even a good token waits (guessing learns nothing); a session is not a token.
    assert client.get("/api/v1/me", headers=bearer(good)).status_code == 429
    assert client.get("/api/v1/me", headers=ana.headers).status_code == 200
    other = client.get("/api/v1/me", headers=bearer(good),
                       environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_last_use_is_written_at_most_once_a_minute(app, client, auth):
    ana = auth.user()
    made = make(client, ana)
    assert client.get("/api/v1/me", headers=bearer(made["secret"])).status_code == 200
    with app.app_context():
        first = db.session.get(ApiToken, made["id"]).last_used_at
        assert first is not None
        assert db.session.get(ApiToken, made["id"]).last_used_ip == "127.0.0.1"
    client.get("/api/v1/me", headers=bearer(made["secret"]),
               environ_overrides={"REMOTE_ADDR": "10.0.0.2"})
    with app.app_context():
        row = db.session.get(ApiToken, made["id"])
        assert (row.last_used_at, row.last_used_ip) == (first, "127.0.0.1")
        row.last_used_at = first - timedelta(seconds=61)
        db.session.commit()
    client.get("/api/v1/me", headers=bearer(made["secret"]),
               environ_overrides={"REMOTE_ADDR": "10.0.0.2"})
    listed = client.get("/api/v1/me/tokens", headers=ana.headers).get_json()["tokens"][0]
    assert listed["last_used_ip"] == "10.0.0.2" and listed["last_used_at"] is not None


def test_tokens_are_not_sessions_elsewhere(client, auth):
    """Off /api/v1 (the pages) a token is no sign-in."""
    ana = auth.user()
    secret = make(client, ana)["secret"]
    page = client.get("/account", headers=bearer(secret))
    assert page.status_code == 302 and "/login" in page.headers["Location"]


# What ends a token (docs/identity.md): point 5 of issue 19.

def _sessions(client, account):
    return client.get("/api/v1/me/sessions", headers=account.headers).get_json()["sessions"]


def _works(client, secret) -> bool:
    status = client.get("/api/v1/me", headers=bearer(secret)).status_code
    assert status in (200, 401)
    return status == 200


def test_ending_the_session_from_the_sessions_list_revokes_its_tokens(client, auth):
    ana = auth.user()
    laptop = auth.login(type(ana)(ana.name, ana.email, ana.password))
    from_laptop = make(client, laptop)["secret"]
    from_here = make(client, ana)["secret"]
    other = next(s for s in _sessions(client, ana) if not s["current"])
    assert client.delete(f"/api/v1/me/sessions/{other['id']}",
                         headers=ana.headers).status_code == 204
    assert not _works(client, from_laptop)
    assert _works(client, from_here)


def test_a_plain_sign_out_keeps_the_tokens(client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    assert client.post("/api/v1/auth/logout", headers=ana.headers).status_code == 204
    assert _works(client, secret)


def test_session_expiry_keeps_the_tokens(app, client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    with app.app_context():
        db.session.query(Session).update(
            {Session.expires_at: datetime.now(UTC) - timedelta(seconds=1)})
        db.session.commit()
    assert client.get("/api/v1/me", headers=ana.headers).status_code == 401
    auth.login(ana)
    assert client.post("/api/v1/auth/logout-all", headers=ana.headers).status_code == 204
    assert _works(client, secret)  # its session had expired: signing out did not end it


def test_signing_out_everywhere_revokes_the_tokens_of_the_sessions(client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    assert client.post("/api/v1/auth/logout-all", headers=ana.headers).status_code == 204
    assert not _works(client, secret)


def test_a_password_change_revokes_the_tokens_of_the_sessions(client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    assert client.put("/api/v1/me/password", headers=ana.headers,
                      json={"current_password": ana.password,
                            "new_password": "another good one"}).status_code == 204
    assert not _works(client, secret)


def test_a_password_reset_revokes_every_token(app, client, auth):
    ana = auth.user()
    secret = make(client, ana)["secret"]
    with app.app_context():  # even one whose session has ended: every token goes
        db.session.query(ApiToken).update({ApiToken.session_jti: None})
        db.session.commit()
    assert client.post("/api/v1/auth/password-reset", json={"email": ana.email}
                       ).status_code == 202
    assert _works(client, secret)
    token = token_in(app, ana.email)
    assert client.post("/api/v1/auth/password-reset/confirm",
                       json={"token": token, "new_password": "another good one"}
                       ).status_code == 204
    assert not _works(client, secret)


def test_an_upload_with_share_also_makes_a_public_link(client, auth):
    ana = auth.user()
    both = make(client, ana, ["files:write", "shares:write"])["secret"]
    rv = client.post("/api/v1/files", headers=bearer(both), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"shot"), "shot.png"), "share": "1"})
    assert rv.status_code == 201, rv.get_json()
    body = rv.get_json()
    assert body["share"]["file_id"] == body["file"]["id"]
    assert body["share"]["url"].startswith("http") and "/s/" in body["share"]["url"]
    assert client.get(body["share"]["url"].partition("localhost")[2]).status_code == 200
    plain = client.post("/api/v1/files", headers=bearer(both),
                        content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"x"), "x.txt")})
    assert plain.status_code == 201 and "share" not in plain.get_json()


def test_an_upload_with_share_needs_shares_write_and_stores_nothing_without(client, auth):
    ana = auth.user()
    files_only = make(client, ana, ["files:write"])["secret"]
    rv = client.post("/api/v1/files", headers=bearer(files_only),
                     content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"shot"), "shot.png"), "share": "true"})
    assert rv.status_code == 403
    assert (error_code(rv), rv.get_json()["error"]["field"]) == ("scope_missing",
                                                                 "shares:write")
    assert client.get("/api/v1/files", headers=ana.headers).get_json()["files"] == []
    # A session may: it reaches every scope.
    rv = client.post("/api/v1/files", headers=ana.headers, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"shot"), "shot.png"), "share": "1"})
    assert rv.status_code == 201 and rv.get_json()["share"]["state"] == "active"


def test_an_admin_ending_the_sessions_revokes_their_tokens(client, auth):
    admin, ana = auth.user(name="Admin"), auth.user(name="Ana")
    secret = make(client, ana)["secret"]
    ana_id = client.get("/api/v1/me", headers=ana.headers).get_json()["user"]["id"]
    assert client.delete(f"/api/v1/admin/users/{ana_id}/sessions",
                         headers=admin.headers).status_code in (200, 204)
    assert not _works(client, secret)


def test_an_upload_with_share_is_refused_when_public_links_are_off(client, auth):
    admin, ana = auth.user(name="Admin"), auth.user(name="Ana")
    assert client.patch("/api/v1/admin/settings", headers=admin.headers,
                        json={"users_may_create_public_links": False}).status_code == 200
    secret = make(client, ana, ["files:write", "shares:write"])["secret"]
    rv = client.post("/api/v1/files", headers=bearer(secret), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"shot"), "shot.png"), "share": "1"})
    assert rv.status_code == 403 and error_code(rv) == "public_links_disabled"
    assert rv.get_json()["error"]["field"] == "share"
    assert client.get("/api/v1/files", headers=ana.headers).get_json()["files"] == []
