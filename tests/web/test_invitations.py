"""Sign-up and invitation pages: the sign-up page says which rule applies and carries
the invitation of its link; the login page's link follows; admins (and users, when
allowed) create, list and revoke invitations in pages."""

from __future__ import annotations

import re

import pytest

from compartilha.extensions import db
from compartilha.models import Invitation, User
from tests.mailbox import outbox
from tests.web.conftest import csrf_cookie, sign_in

EN = {"Accept-Language": "en"}
ORIGIN = {"Origin": "http://localhost"}




@pytest.fixture
def people(auth):
    return auth.register(name="Ada"), auth.register(name="Bia")


def _create(client, email="", path="/admin/invitations"):
    return client.post(path, data={"csrf_token": csrf_cookie(client), "email": email},
                       headers=ORIGIN | EN)


def _link(page) -> str:
    found = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)
    return found.group(1)


def _sign_up(client, email, invitation=""):
    return client.post("/signup", headers=ORIGIN | EN, data={
        "name": "Cid", "email": email, "password": "correct horse", "invitation": invitation})


@pytest.mark.parametrize(("method", "path"), [("get", "/admin/invitations"),
                                               ("post", "/admin/invitations"),
                                               ("post", "/admin/invitations/1/revoke")])
def test_the_admin_pages_refuse_users_and_nobody(app, people, method, path):
    rv = getattr(app.test_client(), method)(path, headers=ORIGIN)
    assert rv.status_code in (302, 403)
    if method == "get":
        assert "/login" in rv.headers["Location"]
    user = sign_in(app.test_client(), people[1])
    rv = getattr(user, method)(path, data={"csrf_token": csrf_cookie(user)}, headers=ORIGIN)
    assert rv.status_code == 403
    with app.app_context():
        assert db.session.query(Invitation).count() == 0


def test_an_admin_makes_a_link_mails_one_and_revokes(app, people):
    ada = sign_in(app.test_client(), people[0])
    assert b'href="/admin/invitations"' in ada.get("/admin/users", headers=EN).data
    page = _create(ada)
    assert page.status_code == 200 and b"copy its link now" in page.data
    link = _link(page)
    assert "/signup?invitation=" in link
    rv = _create(ada, "cid@example.com")
    assert rv.status_code == 302
    assert outbox(app)[-1]["To"] == "cid@example.com"
    listed = ada.get("/admin/invitations", headers=EN).get_data(as_text=True)
    assert "cid@example.com" in listed and "anyone with the link" in listed
    assert link not in listed  # a token is shown once
    with app.app_context():
        first = db.session.query(Invitation).order_by(Invitation.id).first().id
    rv = ada.post(f"/admin/invitations/{first}/revoke", data={"csrf_token": csrf_cookie(ada)},
                  headers=ORIGIN)
    assert rv.status_code == 302
    assert "Revoked" in ada.get("/admin/invitations", headers=EN).get_data(as_text=True)
    bad = _create(ada, "not an address")
    assert bad.status_code == 422 and b'aria-invalid="true"' in bad.data


def test_invite_only_sign_up_page_carries_the_invitation(app, people, client):
    app.config["REGISTRATION"] = "invite_only"
    ada = sign_in(app.test_client(), people[0])
    bare = client.get("/signup", headers=EN).get_data(as_text=True)
    assert "Sign-up is by invitation." in bare and 'name="password"' not in bare
    assert "I have an invitation" in client.get("/login", headers=EN).get_data(as_text=True)
    refused = _sign_up(client, "cid@example.com")
    assert refused.status_code == 403 and b"by invitation" in refused.data
    link = _link(_create(ada))
    token = link.split("invitation=")[1]
    opened = client.get(link.split("localhost", 1)[1], headers=EN)
    assert opened.headers["Cache-Control"] == "no-store"
    page = opened.get_data(as_text=True)
    assert f'name="invitation" value="{token}"' in page and "You were invited" in page
    assert _sign_up(client, "cid@example.com", token).status_code == 200  # check your mail
    with app.app_context():
        assert db.session.query(User).filter_by(email="cid@example.com").count() == 1
    used = client.get(f"/signup?invitation={token}", headers=EN).get_data(as_text=True)
    assert "already used or has expired" in used and 'name="password"' not in used
    again = _sign_up(client, "dan@example.com", token)
    assert again.status_code == 403 and b"already used" in again.data


def test_closed_sign_up_and_the_allowed_domains_are_told(app, people, client):
    app.config["REGISTRATION"] = "closed"
    for path in ("/signup", "/login"):
        assert "Sign-up is closed — ask an administrator." in client.get(
            path, headers=EN).get_data(as_text=True)
    assert "O cadastro está fechado" in client.get("/signup").get_data(as_text=True)
    app.config["REGISTRATION"] = "open"
    app.config["REGISTRATION_DOMAINS"] = ("example.org", "example.net")
    page = client.get("/signup", headers=EN).get_data(as_text=True)
    assert "can sign up: example.org, example.net." in page and 'name="password"' in page
    refused = _sign_up(client, "cid@example.com")
    assert refused.status_code == 403 and b"email domain" in refused.data


def test_users_invite_from_their_account_page_only_when_allowed(app, people):
    bia = sign_in(app.test_client(), people[1])
    assert b"/account/invitations" not in bia.get("/account", headers=EN).data
    assert bia.get("/account/invitations").status_code == 403
    app.config["USERS_MAY_INVITE"] = True
    assert b'action="/account/invitations"' in bia.get("/account", headers=EN).data
    link = _link(_create(bia, path="/account/invitations"))
    assert "/signup?invitation=" in link
    with app.app_context():
        made = db.session.query(Invitation).one()
        assert made.created_by == db.session.query(User).filter_by(name="Bia").one().id
    page = bia.get("/account/invitations", headers=EN).get_data(as_text=True)
    assert "Pending" in page and "admin-tabs" not in page
