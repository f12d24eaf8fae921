"""Account page: change the password, delete the account."""

from __future__ import annotations


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
