import pytest

from tests.helpers import error_code
from tests.mailbox import links_in, outbox


def test_register_returns_user_without_password(client):
    rv = client.post("/api/v1/auth/register",
                     json={"name": "Ana Souza", "email": "Ana@Example.com", "password": "12345678"})
    assert rv.status_code == 201
    user = rv.get_json()["user"]
    assert user["name"] == "Ana Souza"
    assert user["email"] == "ana@example.com"
    assert "password" not in user and "senha" not in user


@pytest.mark.parametrize("email", ["ana@example.com", "ANA@EXAMPLE.COM", " Ana@example.com "])
def test_a_taken_address_gets_the_answer_of_a_free_one_and_its_owner_a_mail(
        app, client, auth, email):
    auth.register(name="Ana", email="ana@example.com")
    fresh = client.post("/api/v1/auth/register",
                        json={"name": "Other", "email": "free@example.com", "password": "12345678"})
    rv = client.post("/api/v1/auth/register",
                     json={"name": "Other", "email": email, "password": "12345678"})
    assert rv.status_code == fresh.status_code == 201
    assert rv.get_json() == {"user": {"name": "Other", "email": "ana@example.com",
                                      "verified": False}}
    assert fresh.get_json()["user"].keys() == rv.get_json()["user"].keys()
    mails = {m["To"]: m for m in outbox(app)}
    assert mails["ana@example.com"]["Subject"] == \
        "Alguém tentou criar uma conta com o seu endereço"
    assert links_in(mails["ana@example.com"]) == ["http://127.0.0.1:8000/forgot"]
    # the owner's password still works, the newcomer's does not
    assert client.post("/api/v1/auth/login", json={"email": "ana@example.com",
                                                   "password": "12345678"}).status_code == 401


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "A", "email": "not-an-email", "password": "12345678"}, "email"),
    ({"name": "A", "email": "a@example.com", "password": "1234567"}, "password"),
    ({"name": "", "email": "a@example.com", "password": "12345678"}, "name"),
    ({"name": "\u202e\u0000", "email": "a@example.com", "password": "12345678"}, "name"),
    ({"email": "a@example.com", "password": "12345678"}, "name"),
    ({"name": "A", "email": "a@example.com", "password": "x" * 1025}, "password"),
    ({"name": "A", "email": "a@example.com", "password": 12345678}, "password"),
    ({"name": "A", "email": "a@example.com", "password": "12345678", "admin": True}, "admin"),
])
def test_register_invalid_field(client, payload, field):
    rv = client.post("/api/v1/auth/register", json=payload)
    assert rv.status_code == 422
    assert error_code(rv) == "invalid_field"
    assert rv.get_json()["error"]["field"] == field
    # nothing was created: the same email registers fine afterwards
    ok = client.post("/api/v1/auth/register",
                     json={"name": "A", "email": "a@example.com", "password": "12345678"})
    assert ok.status_code == 201


def test_password_is_checked_exactly_as_typed(client, auth):
    account = auth.register(password="  spaced password  ")
    rv = client.post("/api/v1/auth/login",
                     json={"email": account.email, "password": "spaced password"})
    assert rv.status_code == 401
    rv = client.post("/api/v1/auth/login",
                     json={"email": account.email, "password": "  spaced password  "})
    assert rv.status_code == 200


def test_long_password_of_64_and_more_characters(client, auth):
    account = auth.register(password="p" * 200)
    assert client.post("/api/v1/auth/login",
                       json={"email": account.email, "password": "p" * 200}).status_code == 200
    assert client.post("/api/v1/auth/login",
                       json={"email": account.email, "password": "p" * 199}).status_code == 401


def test_login_answers_same_for_unknown_email_and_wrong_password(client, auth):
    account = auth.register()
    wrong = client.post("/api/v1/auth/login",
                        json={"email": account.email, "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/login",
                          json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_login_gives_bearer_token_and_httponly_cookies(client, auth):
    account = auth.register()
    rv = client.post("/api/v1/auth/login",
                     json={"email": account.email.upper(), "password": account.password})
    assert rv.status_code == 200
    body = rv.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    cookies = rv.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("compartilha_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("compartilha_csrf="))
    assert "HttpOnly" not in csrf_cookie


def test_me_with_bearer(client, auth):
    account = auth.user(name="Bia")
    rv = client.get("/api/v1/me", headers=account.headers)
    assert rv.status_code == 200
    assert rv.get_json()["user"]["name"] == "Bia"
    assert set(rv.get_json()["user"]) >= {"id", "name", "email"}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer abc.def.ghi", "Basic dXNlcjpwYXNz"])
def test_me_without_valid_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    rv = client.get("/api/v1/me", headers=headers)
    assert rv.status_code == 401
    assert error_code(rv) == "not_authenticated"
    assert rv.headers["WWW-Authenticate"] == "Bearer"  # RFC 9110: a 401 names its scheme


def test_logout_revokes_that_token_only(client, auth):
    account = auth.user()
    first = account.token
    second = auth.login(account).token
    rv = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert rv.status_code == 204
    me = "/api/v1/me"
    assert client.get(me, headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get(me, headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_change_password_revokes_every_older_token(client, auth):
    account = auth.user()
    other = client.post("/api/v1/auth/login",
                        json={"email": account.email, "password": account.password})
    other_token = other.get_json()["access_token"]
    rv = client.put("/api/v1/me/password", headers=account.headers,
                    json={"current_password": account.password, "new_password": "new secret 1"})
    assert rv.status_code == 204
    for token in (account.token, other_token):
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert client.post("/api/v1/auth/login", json={
        "email": account.email, "password": account.password}).status_code == 401
    assert client.post("/api/v1/auth/login", json={
        "email": account.email, "password": "new secret 1"}).status_code == 200


def test_change_password_wrong_current_changes_nothing(client, auth):
    account = auth.user()
    rv = client.put("/api/v1/me/password", headers=account.headers,
                    json={"current_password": "wrong wrong", "new_password": "new secret 1"})
    assert rv.status_code == 403
    assert error_code(rv) == "wrong_password"
    assert client.get("/api/v1/me", headers=account.headers).status_code == 200


def test_cookie_session_reads_without_csrf_but_writes_need_it(client, auth):
    account = auth.register()
    client.post("/api/v1/auth/login", json={"email": account.email, "password": account.password})
    assert client.get("/api/v1/me").status_code == 200  # cookie alone authenticates reads
    rv = client.post("/api/v1/auth/logout")
    assert rv.status_code == 403
    assert error_code(rv) == "csrf_failed"
    rv = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "0" * 64})
    assert rv.status_code == 403
    csrf = client.get_cookie("compartilha_csrf").value
    rv = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert rv.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_delete_account_removes_user_files_and_tokens(client, auth):
    account = auth.user()
    auth.upload(account)
    rv = client.delete("/api/v1/me", headers=account.headers, json={"password": "bad password"})
    assert rv.status_code == 403
    rv = client.delete("/api/v1/me", headers=account.headers, json={"password": account.password})
    assert rv.status_code == 204
    assert client.get("/api/v1/me", headers=account.headers).status_code == 401
    assert client.post("/api/v1/auth/login", json={
        "email": account.email, "password": account.password}).status_code == 401


def test_patch_me_changes_name_and_email(client, auth):
    account = auth.user(name="Ana")
    rv = client.patch("/api/v1/me", headers=account.headers, json={"name": "Ana Souza"})
    assert rv.status_code == 200
    assert rv.get_json()["user"]["name"] == "Ana Souza"
    rv = client.patch("/api/v1/me", headers=account.headers,
                      json={"email": "Ana.Nova@Example.com", "password": account.password})
    assert rv.status_code == 200
    assert rv.get_json()["user"]["email"] == "ana.nova@example.com"
    me = client.get("/api/v1/me", headers=account.headers).get_json()["user"]
    assert (me["name"], me["email"]) == ("Ana Souza", "ana.nova@example.com")
    rv = client.post("/api/v1/auth/login",
                     json={"email": "ana.nova@example.com", "password": account.password})
    assert rv.status_code == 200


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"email": "RUI_EMAIL"}, 409, "email_taken"),
    ({"email": "not an address"}, 422, "invalid_field"),
    ({"name": ""}, 422, "invalid_field"),
    ({"name": "   "}, 422, "invalid_field"),
])
def test_patch_me_refuses_and_changes_nothing(client, auth, body, status, code):
    account = auth.user(name="Ana")
    other = auth.register(name="Rui")
    body = {k: other.email if v == "RUI_EMAIL" else v for k, v in body.items()}
    if "email" in body:
        body["password"] = account.password
    rv = client.patch("/api/v1/me", headers=account.headers, json=body)
    assert rv.status_code == status and error_code(rv) == code
    me = client.get("/api/v1/me", headers=account.headers).get_json()["user"]
    assert (me["name"], me["email"]) == ("Ana", account.email)


def test_patch_me_needs_a_session(client):
    assert client.patch("/api/v1/me", json={"name": "X"}).status_code == 401
