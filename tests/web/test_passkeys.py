"""The passkeys page: listed with their names, renamed and removed by form (only mine);
the login page offers a passkey, and the second-step partial carries the mfa token."""

from __future__ import annotations

from flask import render_template

from tests.api.test_passkeys import added
from tests.web.conftest import csrf_cookie
from tests.webauthn_device import Device

ORIGIN = {"Origin": "http://localhost"}


def test_listed_renamed_and_removed(client, pages, auth, app):
    account = pages.login()
    key = added(client, account, Device(), "Notebook").get_json()["passkey"]
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Notebook" in page and "js/passkeys.js" in page
    assert "só a senha faz seu login" in page  # the only second step: said so
    rv = client.post(f"/account/passkeys/{key['id']}/rename", headers=ORIGIN,
                     data={"csrf_token": csrf_cookie(client), "name": "Tablet da Ana"})
    assert rv.status_code == 302
    assert "Tablet da Ana" in client.get("/account/passkeys").get_data(as_text=True)
    rv = client.post(f"/account/passkeys/{key['id']}/remove", headers=ORIGIN,
                     data={"csrf_token": csrf_cookie(client)})
    assert rv.status_code == 302
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Tablet da Ana" not in page and "Nenhuma chave de acesso ainda." in page


def test_another_accounts_passkey_is_left_alone(client, pages, auth, app):
    other = auth.user(name="Bia")
    theirs = added(client, other, Device(), "Dela").get_json()["passkey"]
    pages.login()
    rv = client.post(f"/account/passkeys/{theirs['id']}/remove", headers=ORIGIN,
                     data={"csrf_token": csrf_cookie(client)}, follow_redirects=True)
    assert "Chave de acesso não encontrada." in rv.get_data(as_text=True)
    listed = client.get("/api/v1/me/passkeys", headers=other.headers).get_json()
    assert [p["name"] for p in listed["passkeys"]] == ["Dela"]


def test_the_page_needs_a_session(client):
    rv = client.get("/account/passkeys")
    assert rv.status_code == 302 and "/login" in rv.headers["Location"]


def test_the_login_page_and_the_second_step_offer_a_passkey(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert "Fazer login com uma chave de acesso" in page and "data-mfa-token" not in page
    with app.test_request_context("/login"):
        step = render_template("_passkey_step.html", mfa_token="tok", next_url="/files")
    assert 'data-mfa-token="tok"' in step and 'data-next="/files"' in step
