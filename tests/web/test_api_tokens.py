"""The API tokens page: make a token (its secret shown once), the list with its last use,
revoke one (CSRF-checked), revoke all; in Portuguese and English; and the web's own
sign-out buttons end the tokens of the sessions they end."""

from __future__ import annotations

import re

from compartilha.extensions import db
from compartilha.models import ApiToken, Session

SECRET = re.compile(r"cmp_[A-Za-z0-9_-]{43}")


def _make(client, pages, name="ShareX", scopes=("files:write", "shares:write"), expires="90"):
    return client.post("/account/tokens", data={"csrf_token": pages.csrf(), "name": name,
                                                "scopes": list(scopes), "expires": expires})


def test_the_page_is_linked_from_the_account_page_and_needs_a_session(client, pages):
    rv = client.get("/account/tokens")
    assert rv.status_code == 302 and "/login" in rv.headers["Location"]
    pages.login()
    assert 'href="/account/tokens"' in client.get("/account").get_data(as_text=True)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "Tokens de API" in html and "Você não tem tokens." in html
    assert 'value="files:read" checked' in html and 'value="shares:read">' in html


def test_making_a_token_shows_its_secret_once(app, client, pages):
    pages.login()
    rv = _make(client, pages)
    assert rv.status_code == 200
    html = rv.get_data(as_text=True)
    [secret] = set(SECRET.findall(html))
    assert "Copie agora" in html and 'data-copy="#token-secret"' in html
    with app.app_context():
        row = db.session.query(ApiToken).one()
        assert row.scopes == "files:write shares:write" and row.name == "ShareX"
        assert row.expires_at is not None and 89 <= (row.expires_at - row.created_at).days <= 90
        session = db.session.query(Session).one()
        assert row.session_jti == session.jti
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and SECRET.search(again) is None
    assert "ShareX" in again and secret[:10] in again and "nunca usado" in again
    # The token works on the API.
    me = client.get("/api/v1/shares", headers={"Authorization": f"Bearer {secret}"},
                    environ_overrides={"HTTP_COOKIE": ""})
    assert me.status_code == 403 and me.get_json()["error"]["field"] == "shares:read"


def test_never_expires_and_english(app, client, pages):
    pages.login()
    client.get("/language/en?next=/")
    html = _make(client, pages, scopes=("account:read",), expires="0").get_data(as_text=True)
    assert "Copy it now" in html
    with app.app_context():
        assert db.session.query(ApiToken).one().expires_at is None
    assert "never expires" in client.get("/account/tokens").get_data(as_text=True)


def test_a_wrong_form_says_what_is_wrong_and_makes_nothing(app, client, pages):
    pages.login()
    rv = _make(client, pages, name=" ", scopes=())
    assert rv.status_code == 422
    html = rv.get_data(as_text=True)
    assert 'id="f-name-error"' in html and 'id="f-scopes-error"' in html
    assert SECRET.search(html) is None
    rv = _make(client, pages, scopes=("files:read", "admin:everything"))
    assert rv.status_code == 422
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_revoke_one_and_all(app, client, pages):
    pages.login()
    _make(client, pages, name="one")
    _make(client, pages, name="two")
    _make(client, pages, name="three")
    with app.app_context():
        ids = {t.name: t.id for t in db.session.query(ApiToken)}
    assert client.post(f"/account/tokens/{ids['one']}/revoke").status_code == 403  # CSRF
    rv = client.post(f"/account/tokens/{ids['one']}/revoke", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302 and rv.headers["Location"] == "/account/tokens"
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "O token foi revogado" in html and ">one <" not in html and "two" in html
    rv = client.post(f"/account/tokens/{ids['one']}/revoke", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 404 and "já tinha sido revogado" in rv.get_data(as_text=True)
    rv = client.post("/account/tokens/revoke-all", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    with app.app_context():
        assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0


def test_signing_out_everywhere_else_ends_the_other_sessions_tokens(app, client, pages, auth):
    account = pages.login()
    phone = app.test_client()
    assert phone.post("/login", data={"email": account.email,
                                      "password": account.password}).status_code == 302
    phone_csrf = phone.get_cookie("compartilha_csrf").value
    phone.post("/account/tokens", data={"csrf_token": phone_csrf, "name": "phone",
                                        "scopes": ["files:read"], "expires": "30"})
    _make(client, pages, name="here")
    rv = client.post("/account/sessions/end-others", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    with app.app_context():
        live = {t.name for t in db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None))}
    assert live == {"here"}
