"""One canonical email per account, the same on SQLite and MariaDB: for storage,
uniqueness, logins, limits and recipients."""

import pytest

from tests.mailbox import outbox

PASSWORD = "correct horse"


def register(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/register",
                       json={"name": "N", "email": email, "password": password})


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def me(client, rv):
    token = rv.get_json()["access_token"]
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).get_json()["user"]


def test_full_width_spelling_logs_in_as_that_very_account(client):
    assert register(client, "Carol@Example.com").get_json()["user"]["email"] == \
        "carol@example.com"
    carol = me(client, login(client, "carol@example.com"))
    rv = login(client, "ｃarol@example.com")
    assert rv.status_code == 200
    assert me(client, rv)["id"] == carol["id"]
    assert login(client, "ｃarol@example.com", "not hers").status_code == 401


@pytest.mark.parametrize("variant", ["CAROL@example.com", "ｃarol@example.com",
                                     "cárol@example.com", "Ca\u0301rol@example.com",
                                     "çarol@example.com", "carol@EXAMPLE.com "])
def test_no_second_account_with_a_variant(app, client, variant):
    register(client, "carol@example.com")
    rv = register(client, variant, password="another password")
    assert rv.status_code == 201  # as for a free address: sign-up reveals nothing
    assert login(client, variant, "another password").status_code == 401
    assert [m["To"] for m in outbox(app)][-1] == "carol@example.com"  # the owner is told


def test_an_accented_variant_is_nobody(client):
    register(client, "carol@example.com")
    assert login(client, "cárol@example.com").status_code == 401


def test_an_accented_account_is_its_own_and_blocks_its_plain_twin(client):
    assert register(client, "dávid@example.com").status_code == 201
    rv = login(client, "DÁVID@example.com")
    assert rv.status_code == 200 and me(client, rv)["email"] == "dávid@example.com"
    assert login(client, "david@example.com").status_code == 401
    assert register(client, "david@example.com", "other password").status_code == 201
    assert login(client, "david@example.com", "other password").status_code == 401


def test_a_link_for_one_address_reaches_no_look_alike(client, auth, verified):
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    squatter = auth.user(email="dávid@example.com")
    verified.add("dávid@example.com")
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                        json={"recipient_email": "DAVID@Example.com"}).get_json()["share"]
    assert share["recipient_email"] == "david@example.com"
    assert client.get("/api/v1/shared-with-me", headers=squatter.headers
                      ).get_json()["shares"] == []
    assert client.get(f"/s/{share['token']}/download",
                      headers=squatter.headers).status_code == 404


def test_a_link_for_a_full_width_spelling_reaches_its_owner(client, auth, verified):
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    carol = auth.user(email="carol@example.com")
    verified.add("carol@example.com")
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                        json={"recipient_email": "ｃarol@example.com"}).get_json()["share"]
    shared = client.get("/api/v1/shared-with-me", headers=carol.headers).get_json()["shares"]
    assert [s["id"] for s in shared] == [share["id"]]


@pytest.mark.parametrize("email", ["<script>@x.y", "a<b>@example.com", "x@example.test",
                                   "\"q\"@example.com", "кирилл@example.com"])
def test_invalid_addresses_are_refused(client, auth, email):
    rv = register(client, email)
    assert rv.status_code == 422 and rv.get_json()["error"]["field"] == "email"
    owner = auth.user()
    file_id = auth.upload(owner).get_json()["file"]["id"]
    rv = client.post(f"/api/v1/files/{file_id}/shares", headers=owner.headers,
                     json={"recipient_email": email})
    assert rv.status_code == 422 and rv.get_json()["error"]["field"] == "recipient_email"


def test_the_sign_up_form_refuses_a_script_address(client):
    rv = client.post("/signup", data={"name": "N", "email": "<script>@x.y",
                                      "password": "correct horse"})
    assert rv.status_code == 422
    assert "compartilha_session" not in rv.headers.get("Set-Cookie", "")
