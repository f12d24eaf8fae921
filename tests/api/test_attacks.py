"""Hostile requests against the running app: each gets a safe answer and changes nothing."""

import io
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from compartilha import crypto
from compartilha.extensions import db
from compartilha.storage import get_storage
from tests.helpers import tables

SQLI = ["' OR '1'='1", "1; DROP TABLE usuarios; --", "\" OR 1=1 --", "admin'--",
        "1 UNION SELECT senha FROM usuarios", "%' AND SLEEP(5) AND '%'='"]


# Tables an attempt may write to without changing anything: attempts are counted
# (contadores) and security events recorded (auditoria: a failed login is one).
RECORDS = {"contadores", "auditoria"}


def snapshot(app) -> dict:
    """Every row of every table, and every stored key: what an attack must not change."""
    with app.app_context():
        with db.engine.connect() as conn:
            state = {t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}"))))  # noqa: S608
                     for t in tables() if t not in RECORDS}
        state["storage"] = sorted(get_storage().keys())
    return state


@pytest.fixture
def world(app, client, auth):
    """Two users; Ana owns a file, a link and a session Bia attacks."""
    ana, bia = auth.user(name="Ana"), auth.user(name="Bia")
    ana.file = auth.upload(ana, b"ana's secret bytes", "ana.txt").get_json()["file"]
    ana.share = client.post(f"/api/v1/files/{ana.file['id']}/shares", headers=ana.headers,
                            json={"password": "abre-te"}).get_json()["share"]
    ana.session = client.get("/api/v1/me/sessions", headers=ana.headers
                             ).get_json()["sessions"][0]["id"]
    return ana, bia


def forge(app, **changes):
    now = datetime.now(UTC)
    payload = {"sub": "1", "jti": "x", "iat": now, "exp": now + timedelta(hours=1),
               "iss": "compartilha", "aud": "compartilha", **changes}
    payload = {k: v for k, v in payload.items() if v is not None}
    kid, key = app.config["TOKEN_KEYS"][0]
    return payload, kid, key


def bad_tokens(app, world):
    ana, _ = world
    sub = str(client_user_id(app, ana))
    payload, kid, key = forge(app, sub=sub)
    header = {"kid": kid, "typ": "JWT"}
    yield "forged", jwt.encode(payload, "not-the-key" * 4, algorithm="HS256", headers=header)
    yield "none", jwt.encode(payload, None, algorithm="none", headers=header)
    yield "hs512", jwt.encode(payload, key, algorithm="HS512", headers=header)
    yield "expired", jwt.encode(forge(app, sub=sub, exp=datetime.now(UTC) - timedelta(hours=1))[0],
                                key, algorithm="HS256", headers=header)
    future = datetime.now(UTC) + timedelta(days=1)
    yield "future", jwt.encode(forge(app, sub=sub, iat=future, exp=future + timedelta(hours=1))[0],
                               key, algorithm="HS256", headers=header)
    yield "claimless", jwt.encode({"sub": sub}, key, algorithm="HS256", headers=header)
    yield "unknown-jti", jwt.encode(payload, key, algorithm="HS256", headers=header)
    yield "unknown-kid", jwt.encode(payload, key, algorithm="HS256",
                                    headers={"kid": "zzz", "typ": "JWT"})
    yield "garbage", "a.b.c"


def client_user_id(app, account) -> int:
    return crypto.decode_token(app.config["TOKEN_KEYS"], account.token).user_id


TOKEN_CASES = ["forged", "none", "hs512", "expired", "future", "claimless", "unknown-jti",
               "unknown-kid", "garbage"]


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_bad_tokens_are_refused_and_change_nothing(app, client, world, case):
    ana, _ = world
    token = dict(bad_tokens(app, world))[case]
    before = snapshot(app)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete(f"/api/v1/files/{ana.file['id']}", headers=headers).status_code == 401
    assert snapshot(app) == before


def test_revoked_and_deleted_account_tokens_are_refused(app, client, auth, world):
    ana, bia = world
    old = bia.token
    client.post("/api/v1/auth/logout", headers=bia.headers)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    doomed = auth.user(name="Doomed")
    token = doomed.token
    client.delete("/api/v1/me", headers=doomed.headers, json={"password": doomed.password})
    before = snapshot(app)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401
    assert snapshot(app) == before


IDOR = [
    ("get", "/api/v1/files/{file}"), ("get", "/api/v1/files/{file}/download"),
    ("delete", "/api/v1/files/{file}"), ("post", "/api/v1/files/{file}/shares"),
    ("delete", "/api/v1/shares/{share}"), ("get", "/api/v1/shares/{share}/accesses"),
    ("delete", "/api/v1/me/sessions/{session}"),
]


@pytest.mark.parametrize(("method", "template"), IDOR)
def test_idor_on_every_id_taking_route(app, client, world, method, template):
    ana, bia = world
    url = template.format(file=ana.file["id"], share=ana.share["id"], session=ana.session)
    before = snapshot(app)
    rv = getattr(client, method)(url, headers=bia.headers)
    assert rv.status_code == 404
    assert b"ana's secret" not in rv.data
    assert snapshot(app) == before


@pytest.mark.parametrize("storage_backend", ["local"], indirect=True)  # inspects the folder
@pytest.mark.parametrize("name", ["../../../../etc/passwd", "..\\..\\windows\\win.ini",
                                  "/absolute/path.txt", "a\x00b.txt", "x" * 1000,
                                  "\u202etxt.exe", ".htaccess", "con.txt"])
def test_hostile_file_names_never_reach_the_file_system(app, client, auth, name):
    account = auth.user()
    rv = auth.upload(account, b"data", name)
    assert rv.status_code == 201
    stored = rv.get_json()["file"]["name"]
    assert "/" not in stored and "\\" not in stored and "\x00" not in stored
    assert len(stored) <= 255 and "\u202e" not in stored
    with app.app_context():
        storage = get_storage()
        for key in storage.keys():
            assert storage.path(key).is_relative_to(storage.root)
            assert "passwd" not in key and "win.ini" not in key


@pytest.mark.parametrize(("data", "ctype", "name"), [
    (b"<html><script>alert(document.cookie)</script></html>", "text/html", "x.html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml", "x.svg"),
    (b"<script>alert(1)</script>", "text/plain", "x.txt"),
])
def test_uploaded_html_and_svg_never_render_in_our_origin(client, auth, data, ctype, name):
    account = auth.user()
    meta = auth.upload(account, data, name, ctype).get_json()["file"]
    rv = client.get(f"/api/v1/files/{meta['id']}/download", headers=account.headers)
    assert rv.headers["Content-Disposition"].startswith("attachment")
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]["token"]
    public = client.get(f"/s/{token}/download")
    assert public.headers["Content-Disposition"].startswith("attachment")
    preview = client.get(f"/s/{token}/preview")
    if preview.status_code == 200:  # only text/plain, as text, in a sandbox
        assert preview.mimetype == "text/plain"
        assert preview.headers["Content-Security-Policy"].startswith("sandbox")
    else:
        assert preview.status_code == 404
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert "<script>alert" not in page and "onload=\"alert" not in page


CSRF = [
    ("post", "/api/v1/auth/logout", None), ("post", "/api/v1/auth/logout-all", None),
    ("put", "/api/v1/me/password", {"current_password": "correct horse",
                                    "new_password": "hijacked pw"}),
    ("delete", "/api/v1/me", {"password": "correct horse"}),
    ("delete", "/api/v1/files/{file}", None), ("post", "/api/v1/files/{file}/shares", {}),
    ("delete", "/api/v1/shares/{share}", None), ("delete", "/api/v1/me/sessions/{session}", None),
    ("post", "/api/v1/files", "upload"),
]


@pytest.mark.parametrize(("method", "template", "body"), CSRF)
def test_csrf_on_every_cookie_authenticated_state_change(app, client, world, method, template,
                                                         body):
    ana, _ = world
    browser = app.test_client()
    browser.post("/api/v1/auth/login", json={"email": ana.email, "password": ana.password})
    url = template.format(file=ana.file["id"], share=ana.share["id"], session=ana.session)
    before = snapshot(app)
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": ""}):
        kwargs = {"json": body} if isinstance(body, dict) else {}
        if body == "upload":
            kwargs = {"data": {"file": (io.BytesIO(b"x"), "x.txt")},
                      "content_type": "multipart/form-data"}
        rv = getattr(browser, method)(url, headers={**headers, "Origin": "https://evil.example"},
                                      **kwargs)
        assert rv.status_code == 403, (url, headers)
        assert rv.get_json()["error"]["code"] == "csrf_failed"
    after = snapshot(app)
    # the only difference allowed: the login above added a session
    assert {k: v for k, v in after.items() if k != "sessoes"} == \
        {k: v for k, v in before.items() if k != "sessoes"}


@pytest.mark.parametrize("variant", ["upper", "lower", "swapcase", "trailing-space",
                                     "truncated", "extended", "percent", "null"])
def test_share_token_guessing_and_case_variants(app, client, world, variant):
    ana, _ = world
    token = ana.share["token"]
    guess = {"upper": token.upper(), "lower": token.lower(), "swapcase": token.swapcase(),
             "trailing-space": token + "%20", "truncated": token[:-1], "extended": token + "A",
             "percent": token[:-1] + ("%41" if token[-1] != "A" else "%42"),  # never itself
             "null": token + "%00"}[variant]
    before = snapshot(app)
    for path in (f"/s/{guess}", f"/s/{guess}/download"):
        rv = client.get(path)
        assert rv.status_code == 404, path
    assert snapshot(app) == before


@pytest.mark.parametrize("range_header", [
    "bytes=" + ",".join(f"{i}-{i}" for i in range(200)),  # many ranges
    "bytes=10-5",                                         # reversed
    "bytes=0-99999999999999999999999",                    # huge
    "bytes=-0", "bytes=abc", "bytes=--1", "items=0-1",
])
def test_range_abuse(client, world, range_header):
    ana, _ = world
    rv = client.get(f"/api/v1/files/{ana.file['id']}/download",
                    headers={**ana.headers, "Range": range_header})
    assert rv.status_code in (200, 206, 416)
    if rv.status_code == 416:
        assert rv.get_json()["error"]["code"] == "range_not_satisfiable"
    else:
        assert len(rv.data) <= ana.file["size"]
        assert b"ana's secret bytes".startswith(rv.data) or rv.status_code == 206


@pytest.mark.parametrize("payload", SQLI)
def test_sql_injection_strings_in_every_field(app, client, world, payload):
    ana, _ = world
    before = snapshot(app)
    attempts = [
        client.post("/api/v1/auth/login", json={"email": payload, "password": payload}),
        client.post("/api/v1/auth/login", json={"email": ana.email, "password": payload}),
        client.get(f"/api/v1/files?page={payload}", headers=ana.headers),
        client.get(f"/s/{payload}"),
        client.post(f"/api/v1/files/{ana.file['id']}/shares", headers=ana.headers,
                    json={"recipient_email": payload}),
        client.post(f"/api/v1/files/{ana.file['id']}/shares", headers=ana.headers,
                    json={"max_downloads": payload}),
        client.post(f"/api/v1/files/{ana.file['id']}/shares", headers=ana.headers,
                    json={"expires_at": payload}),
    ]
    for rv in attempts:
        assert 400 <= rv.status_code < 500
    assert snapshot(app) == before
    # stored literally where it is a legal value, never interpreted
    rv = client.post("/api/v1/auth/register", json={"name": payload, "email": "sqli@example.com",
                                                     "password": payload + " padding"})
    assert rv.status_code == 201 and rv.get_json()["user"]["name"] == payload
    ok = client.post("/api/v1/auth/login", json={"email": "sqli@example.com",
                                                 "password": payload + " padding"})
    assert ok.status_code == 200


@pytest.mark.parametrize(("body", "ctype", "status"), [
    (b"{" + b'"a":' * 1 + b"1" + b"}" + b" " * (2 * 1024 * 1024), "application/json", 413),
    (b'{"email": "a@b.c", "password": ', "application/json", 400),
    (b"\xff\xfe\x00garbage", "application/json", 400),
    (b"email=a@b.c&password=x", "application/x-www-form-urlencoded", 422),  # JSON only
    (b'{"email": ["a"], "password": {"$ne": null}}', "application/json", 422),
])
def test_oversize_and_malformed_bodies(app, client, world, body, ctype, status):
    before = snapshot(app)
    rv = client.post("/api/v1/auth/login", data=body, content_type=ctype)
    assert rv.status_code == status
    assert rv.is_json and "error" in rv.get_json()
    assert snapshot(app) == before


def test_broken_multipart_upload_leaves_nothing(app, client, world):
    ana, _ = world
    before = snapshot(app)
    body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nabc"
    rv = client.post("/api/v1/files", data=body, headers=ana.headers,
                     content_type="multipart/form-data; boundary=b")
    assert 400 <= rv.status_code < 500
    assert snapshot(app) == before


WEB_FORMS = [
    ("/account/password", {"current_password": "correct horse", "new_password": "hijacked pw"}),
    ("/account/delete", {"password": "correct horse", "confirm": "yes"}),
    ("/logout", {}),
    ("/links/{share}/revoke", {}),
]


@pytest.mark.parametrize(("template", "form"), WEB_FORMS)
def test_csrf_on_every_web_form(app, world, template, form):
    ana, _ = world
    browser = app.test_client()
    browser.post("/api/v1/auth/login", json={"email": ana.email, "password": ana.password})
    before = snapshot(app)
    url = template.format(share=ana.share["id"])
    for extra in ({}, {"csrf_token": "forged"}):
        rv = browser.post(url, data={**form, **extra}, headers={"Origin": "https://evil.example"})
        assert rv.status_code == 403, (url, extra)
    after = snapshot(app)
    assert {k: v for k, v in after.items() if k != "sessoes"} == \
        {k: v for k, v in before.items() if k != "sessoes"}
    assert browser.get("/api/v1/me").status_code == 200  # still signed in: logout refused


@pytest.mark.parametrize(("url", "form"), [
    ("/login", {"email": "attacker@example.com", "password": "attacker pw"}),
    ("/signup", {"name": "X", "email": "planted@example.com", "password": "attacker pw"}),
])
def test_login_csrf_from_another_site_is_refused(app, client, world, url, form):
    before = snapshot(app)
    rv = app.test_client().post(url, data=form, headers={"Origin": "https://evil.example"})
    assert rv.status_code == 403
    assert "compartilha_session" not in rv.headers.get("Set-Cookie", "")
    assert snapshot(app) == before
