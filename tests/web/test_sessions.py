"""Sign up, log in, log out and expired sessions through the HTML forms."""

from __future__ import annotations

import pytest

from tests.mailbox import outbox


def test_pages_ask_to_log_in_and_remember_where_you_were(client):
    rv = client.get("/links?x=1")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/login?next=/links?x%3D1"


def test_an_ended_session_says_so(client):
    client.set_cookie("compartilha_session", "not.a.token")
    rv = client.get("/files")
    assert rv.status_code == 302
    assert "expired=1" in rv.headers["Location"]
    html = client.get(rv.headers["Location"]).get_data(as_text=True)
    assert "Sua sessão terminou" in html


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/links", "/links"),
    ("/files?page=2", "/files?page=2"),
    ("//evil.example", "/files"),
    ("https://evil.example/", "/files"),
    ("/\\evil.example", "/files"),
    ("javascript:alert(1)", "/files"),
    ("", "/files"),
])
def test_log_in_goes_back_to_a_local_page_only(client, auth, next_url, expected):
    account = auth.register()
    rv = client.post("/login", data={"email": account.email, "password": account.password,
                                     "next": next_url})
    assert rv.status_code == 302
    assert rv.headers["Location"] == expected
    assert client.get_cookie("compartilha_session").http_only


def test_wrong_password_renders_the_form_again(client, auth):
    account = auth.register()
    rv = client.post("/login", data={"email": account.email, "password": "wrong password"})
    assert rv.status_code == 401
    assert "E-mail ou senha incorretos." in rv.get_data(as_text=True)
    assert client.get_cookie("compartilha_session") is None


def test_log_in_from_another_site_is_refused(client, auth):
    account = auth.register()
    rv = client.post("/login", data={"email": account.email, "password": account.password},
                     headers={"Origin": "https://evil.example"})
    assert rv.status_code == 403


def test_sign_up_asks_to_check_the_mail_and_starts_no_session(app, client):
    rv = client.post("/signup", data={"name": "Ana", "email": "ana@example.com",
                                      "password": "uma senha longa"})
    assert rv.status_code == 200
    html = rv.get_data(as_text=True)
    assert "Confira seu e-mail" in html and "ana@example.com" in html
    assert "Set-Cookie" not in rv.headers
    [message] = outbox(app)
    assert message["Subject"] == "Confirme seu endereço de e-mail"


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"name": "", "email": "a@example.com", "password": "uma senha longa"}, 422,
     "Informe um nome de 1 a 255 caracteres."),
    ({"name": "Ana", "email": "nope", "password": "uma senha longa"}, 422,
     "Informe um e-mail válido."),
    ({"name": "Ana", "email": "a@example.com", "password": "curta"}, 422,
     "A senha deve ter de 8 a 1024 caracteres."),
])
def test_sign_up_explains_each_field(client, form, status, message):
    rv = client.post("/signup", data=form)
    assert rv.status_code == status
    assert message in rv.get_data(as_text=True)
    assert 'aria-invalid="true"' in rv.get_data(as_text=True)


def test_sign_up_with_a_taken_email_answers_as_with_a_free_one(app, client, auth):
    account = auth.register()
    free = client.post("/signup", data={"name": "Outra", "email": "free@example.com",
                                        "password": "uma senha longa"})
    rv = client.post("/signup", data={"name": "Outra", "email": account.email.upper(),
                                      "password": "uma senha longa"})
    assert rv.status_code == free.status_code == 200
    assert rv.get_data(as_text=True) == free.get_data(as_text=True).replace(
        "free@example.com", account.email)
    assert "Set-Cookie" not in rv.headers
    assert outbox(app)[-1]["To"] == account.email


def test_log_out_needs_the_csrf_token(client, pages):
    pages.login()
    assert client.post("/logout").status_code == 403
    assert client.get("/files").status_code == 200
    rv = client.post("/logout", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    assert client.get_cookie("compartilha_session") is None
    assert client.get("/files").status_code == 302


def test_log_out_page_asks_first(client, pages):
    assert client.get("/logout").headers["Location"] == "/"
    pages.login()
    rv = client.get("/logout")
    assert rv.status_code == 200 and "Sair da conta?" in rv.get_data(as_text=True)
    assert client.get("/files").status_code == 200
