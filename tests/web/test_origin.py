"""Every form post of the pages comes from our own pages: `Origin: null`, a foreign
Origin, or no Origin with a foreign Referer gets 403 and sets no cookie."""

from __future__ import annotations

import pytest

FOREIGN = [
    {"Origin": "null"},  # a sandboxed frame or a data: URL
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Referer": "https://evil.example/trap.html"},  # no Origin: the Referer decides
]
OURS = [{}, {"Origin": "http://localhost"}, {"Referer": "http://localhost/login"}]


@pytest.fixture
def forms(client, pages, auth):
    """Every POST form of the pages, with fields that would succeed."""
    owner = pages.login()
    api = auth.login(owner)
    file_id = auth.upload(api).get_json()["file"]["id"]
    share = client.post(f"/api/v1/files/{file_id}/shares", headers=api.headers,
                        json={"password": "abre-te sesamo"}).get_json()["share"]
    stranger = auth.register()
    csrf = pages.csrf()
    return {
        "login": ("/login", {"email": stranger.email, "password": stranger.password}),
        "signup": ("/signup", {"name": "Eve", "email": "eve@example.com",
                               "password": "correct horse"}),
        "password": ("/account/password", {"csrf_token": csrf, "current_password":
                                           owner.password, "new_password": "a new one!"}),
        "delete": ("/account/delete", {"csrf_token": csrf, "confirm": "yes",
                                       "password": owner.password}),
        "revoke": (f"/links/{share['id']}/revoke", {"csrf_token": csrf}),
        "link password": (f"/s/{share['token']}/download", {"password": "abre-te sesamo"}),
        "logout": ("/logout", {"csrf_token": csrf}),
    }


NAMES = ["login", "signup", "password", "delete", "revoke", "link password", "logout"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("headers", FOREIGN)
def test_a_post_from_elsewhere_is_refused_and_sets_no_cookie(client, forms, name, headers):
    path, data = forms[name]
    rv = client.post(path, data=data, headers=headers)
    assert rv.status_code == 403
    assert rv.headers.getlist("Set-Cookie") == []
    assert client.get("/account").status_code == 200  # the session is intact


@pytest.mark.parametrize("headers", OURS)
def test_log_in_from_our_pages(client, auth, headers):
    account = auth.register()
    rv = client.post("/login", data={"email": account.email, "password": account.password},
                     headers=headers)
    assert rv.status_code == 302
    assert any(c.startswith("compartilha_session=") for c in rv.headers.getlist("Set-Cookie"))


def test_our_public_address_counts_as_ours(app, client, auth):
    app.config["PUBLIC_URL"] = "https://files.example.com"
    account = auth.register()
    rv = client.post("/login", data={"email": account.email, "password": account.password},
                     headers={"Origin": "https://files.example.com"})
    assert rv.status_code == 302
