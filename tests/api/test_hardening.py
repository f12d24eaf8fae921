"""Headers, throttling, proxies, sessions: the hardening that every response carries."""

import pytest

from compartilha import create_app
from tests.conftest import base_config
from tests.helpers import error_code


def login(client, email, password, addr="127.0.0.1"):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


@pytest.mark.parametrize("path", ["/", "/api/v1/me", "/api/v1/nope", "/healthz",
                                  "/no-such-page", "/api/v1/openapi.json"])
def test_security_headers_on_every_response(client, path):
    rv = client.get(path)
    csp = rv.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    assert rv.headers["Referrer-Policy"]
    assert "camera=()" in rv.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in rv.headers  # plain HTTP


def test_https_adds_hsts_and_host_prefixed_secure_cookies(client, auth):
    account = auth.register()
    rv = client.post("/api/v1/auth/login", base_url="https://localhost",
                     json={"email": account.email, "password": account.password})
    assert rv.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = rv.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("__Host-compartilha_session="))
    assert "Secure" in session and "HttpOnly" in session and "Path=/" in session
    assert "Domain" not in session


def test_authenticated_and_share_responses_are_not_cached(client, auth):
    account = auth.user()
    meta = auth.upload(account).get_json()["file"]
    assert client.get("/api/v1/files", headers=account.headers).headers["Cache-Control"] == \
        "no-store"
    share = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]
    page = client.get(f"/s/{share['token']}")
    assert page.headers["Cache-Control"] == "no-store"
    # The link never goes to another site in a Referer; `same-origin` rather than
    # `no-referrer`, under which browsers send `Origin: null` with the password form.
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "noindex" in page.headers["X-Robots-Tag"]


def test_preview_of_html_is_refused_and_text_preview_is_sandboxed(client, auth):
    account = auth.user()
    html = auth.upload(account, b"<script>alert(1)</script>", "x.html", "text/html")
    text = auth.upload(account, b"plain", "x.txt", "text/plain")
    links = {}
    for name, rv in (("html", html), ("text", text)):
        file_id = rv.get_json()["file"]["id"]
        links[name] = client.post(f"/api/v1/files/{file_id}/shares",
                                  headers=account.headers).get_json()["share"]["token"]
    assert client.get(f"/s/{links['html']}/preview").status_code == 404
    rv = client.get(f"/s/{links['text']}/preview")
    assert rv.status_code == 200
    assert rv.headers["Content-Security-Policy"].startswith("sandbox")
    assert rv.mimetype == "text/plain"
    assert rv.headers["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("depth", [40, 5000])
def test_deeply_nested_json_is_400_not_500(client, depth):
    body = "[" * depth + "]" * depth
    rv = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert rv.status_code == 400
    assert error_code(rv) == "bad_request"


def test_login_throttled_per_client_across_accounts(client, auth):
    for n in range(30):
        assert login(client, f"ghost{n}@example.com", "wrong password").status_code == 401
    account = auth.register()
    assert login(client, account.email, account.password).status_code == 429
    assert login(client, account.email, account.password, "127.0.0.2").status_code == 200


def test_successful_logins_are_not_throttled(client, auth):
    account = auth.register()
    for _ in range(15):
        assert login(client, account.email, account.password).status_code == 200


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client, auth):
    account = auth.register()
    for n in range(10):
        rv = client.post("/api/v1/auth/login", headers={"X-Forwarded-For": f"10.9.9.{n}"},
                         json={"email": f"nobody{n}@example.com", "password": "wrong pass"})
        assert rv.status_code == 401
    spoofed = client.post("/api/v1/auth/login", json={"email": account.email,
                          "password": account.password},
                          headers={"X-Forwarded-For": "10.9.9.99"})
    assert spoofed.status_code == 200
    with client.application.app_context():
        from compartilha.extensions import db
        from compartilha.models import Session

        assert {s.ip for s in db.session.query(Session)} == {"127.0.0.1"}


def test_trusted_proxy_count_honours_x_forwarded_for(tmp_path, database):
    app = create_app({**base_config(tmp_path, database[1]), "TRUSTED_PROXIES": 1})
    client = app.test_client()
    def attempt(n, forwarded):
        return client.post("/api/v1/auth/login", headers={"X-Forwarded-For": forwarded},
                           json={"email": f"nobody{n}@example.com", "password": "wrong pass"})

    for n in range(30):
        assert attempt(n, "203.0.113.7").status_code == 401
    blocked, other = attempt(31, "203.0.113.7"), attempt(32, "203.0.113.8")
    assert blocked.status_code == 429 and other.status_code == 401


def test_registration_is_throttled(client):
    codes = [client.post("/api/v1/auth/register", json={
        "name": "N", "email": f"n{i}@example.com", "password": "12345678"}).status_code
        for i in range(21)]
    assert codes[:20] == [201] * 20 and codes[20] == 429


def test_session_list_end_one_and_sign_out_everywhere(app, client, auth):
    account = auth.user()
    second = login(app.test_client(), account.email, account.password).get_json()["access_token"]
    rv = client.get("/api/v1/me/sessions", headers=account.headers)
    sessions = rv.get_json()["sessions"]
    assert len(sessions) == 2
    assert [s["current"] for s in sessions].count(True) == 1
    other = next(s for s in sessions if not s["current"])
    assert client.delete(f"/api/v1/me/sessions/{other['id']}",
                         headers=account.headers).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}
                      ).status_code == 401
    third = login(app.test_client(), account.email, account.password).get_json()["access_token"]
    assert client.post("/api/v1/auth/logout-all", headers=account.headers).status_code == 204
    for token in (account.token, third):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 401


def test_someone_elses_session_cannot_be_ended(client, auth):
    ana, bia = auth.user(), auth.user()
    bia_session = client.get("/api/v1/me/sessions", headers=bia.headers
                             ).get_json()["sessions"][0]["id"]
    rv = client.delete(f"/api/v1/me/sessions/{bia_session}", headers=ana.headers)
    assert rv.status_code == 404
    assert client.get("/api/v1/me", headers=bia.headers).status_code == 200


@pytest.mark.parametrize(("data", "declared", "previewed"), [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png", True),
    (b"<svg onload=alert(1)>", "image/png", False),          # claims PNG, is SVG
    (b"<html><script>x</script>", "application/pdf", False),
    (b"%PDF-1.7 ...", "application/pdf", True),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", False),
])
def test_preview_checks_the_type_against_the_content(client, auth, data, declared, previewed):
    account = auth.user()
    meta = auth.upload(account, data, "x.bin", declared).get_json()["file"]
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]["token"]
    rv = client.get(f"/s/{token}/preview")
    assert rv.status_code == (200 if previewed else 404)
    if previewed:
        assert rv.headers["Content-Security-Policy"].startswith("sandbox")
