"""Account page: name and email, sessions, change the password, delete the account."""

from __future__ import annotations

import pytest

from compartilha.web.accounts import device


def test_change_password_keeps_this_browser_logged_in(client, pages):
    account = pages.login()
    old_token = account.token
    rv = client.post("/account/password", data={
        "csrf_token": pages.csrf(), "current_password": account.password,
        "new_password": "uma senha nova e longa"})
    assert rv.status_code == 302
    assert client.get("/account").status_code == 200
    # Older sessions end.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"}
                      ).status_code == 401


def test_change_password_with_a_wrong_current_one(client, pages):
    pages.login()
    rv = client.post("/account/password", data={
        "csrf_token": pages.csrf(), "current_password": "não é esta",
        "new_password": "uma senha nova e longa"})
    assert rv.status_code == 403
    assert "A senha digitada está incorreta." in rv.get_data(as_text=True)


def test_change_password_needs_csrf(client, pages):
    account = pages.login()
    rv = client.post("/account/password", data={
        "current_password": account.password, "new_password": "uma senha nova e longa"})
    assert rv.status_code == 403


def test_delete_account_needs_the_box_ticked_and_the_password(client, pages, auth):
    account = pages.login()
    auth.upload(auth.login(account))
    rv = client.post("/account/delete", data={"csrf_token": pages.csrf(),
                                              "password": account.password})
    assert rv.status_code == 422
    rv = client.post("/account/delete", data={"csrf_token": pages.csrf(), "confirm": "yes",
                                              "password": "errada!!"})
    assert rv.status_code == 403
    rv = client.post("/account/delete", data={"csrf_token": pages.csrf(), "confirm": "yes",
                                              "password": account.password})
    assert rv.status_code == 302
    rv = client.post("/api/v1/auth/login", json={"email": account.email,
                                                 "password": account.password})
    assert rv.status_code == 401


def test_the_account_pages_share_that_count(client, pages):
    account = pages.login()
    for _ in range(10):
        rv = client.post("/account/password", data={
            "csrf_token": pages.csrf(), "current_password": "wrong",
            "new_password": "a new password"})
        assert rv.status_code == 403
    rv = client.post("/account/delete", data={"csrf_token": pages.csrf(), "confirm": "yes",
                                              "password": account.password})
    assert rv.status_code == 429 and int(rv.headers["Retry-After"]) > 0
    assert "Tentativas demais" in rv.get_data(as_text=True)  # on the form, in its language
    assert client.get("/account").status_code == 200  # still there


def test_a_wrong_password_on_delete_keeps_the_box_ticked(client, pages):
    pages.login()
    rv = client.post("/account/delete", data={"csrf_token": pages.csrf(), "confirm": "yes",
                                              "password": "errada!!"})
    assert rv.status_code == 403
    html = rv.get_data(as_text=True)
    assert 'name="confirm" value="yes" required checked' in html
    assert "A senha digitada está incorreta." in html


def test_name_and_email_change_from_the_page(client, pages, auth):
    pages.login(name="Ana")
    taken = auth.register(name="Rui")
    html = client.get("/account").get_data(as_text=True)
    assert 'name="name" type="text" value="Ana"' in html
    rv = client.post("/account/profile", data={"csrf_token": pages.csrf(), "name": "Ana Souza",
                                               "email": taken.email,
                                               "profile_password": "correct horse"})
    assert rv.status_code == 409
    html = rv.get_data(as_text=True)
    assert "Já existe uma conta com este e-mail" in html
    assert 'value="Ana Souza"' in html  # what was typed stays
    rv = client.post("/account/profile", data={"csrf_token": pages.csrf(), "name": "Ana Souza",
                                               "email": "ana.souza@example.com"})
    assert rv.status_code == 403  # a new address needs the password
    assert "Digite sua senha para alterar o e-mail." in rv.get_data(as_text=True)
    rv = client.post("/account/profile", data={"csrf_token": pages.csrf(), "name": "Ana Souza",
                                               "email": "ana.souza@example.com",
                                               "profile_password": "correct horse"})
    assert rv.status_code == 302
    me = client.get("/api/v1/me").get_json()["user"]
    assert (me["name"], me["email"]) == ("Ana Souza", "ana.souza@example.com")


def other_device(app, account) -> str:
    """A session started elsewhere (its own cookie jar): its Bearer token."""
    rv = app.test_client().post("/api/v1/auth/login", json={"email": account.email,
                                                             "password": account.password})
    return rv.get_json()["access_token"]


def test_the_page_lists_sessions_and_signs_out_the_others(app, client, pages):
    account = pages.login()
    phone = other_device(app, account)
    html = client.get("/account").get_data(as_text=True)
    assert html.count('class="session-row') == 2
    assert "Este aparelho" in html
    rv = client.post("/account/sessions/end-others", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {phone}"}
                      ).status_code == 401
    html = client.get("/account").get_data(as_text=True)  # this browser stays signed in
    assert html.count('class="session-row') == 1


def test_one_session_is_signed_out_from_the_page(app, client, pages):
    account = pages.login()
    phone = other_device(app, account)
    sessions = client.get("/api/v1/me/sessions").get_json()["sessions"]
    [other] = [s for s in sessions if not s["current"]]
    rv = client.post(f"/account/sessions/{other['id']}/end", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {phone}"}
                      ).status_code == 401
    rv = client.post(f"/account/sessions/{other['id']}/end", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 404 and "Essa sessão já foi encerrada." in rv.get_data(as_text=True)
    assert client.post(f"/account/sessions/{other['id']}/end").status_code == 403  # CSRF


@pytest.mark.parametrize(("agent", "shown"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Firefox · Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari · iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge · Windows"),
    ("curl/8.5.0", "curl/8.5.0"),
    ("", ""),
])
def test_a_session_shows_its_browser_and_system(agent, shown):
    assert device(agent) == shown
