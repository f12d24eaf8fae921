"""Sign-up control through the API: open, invite-only and closed sign-up, the domain
allow-list, invitations (mailed, single use even under a race, expiring, revocable, bound
to an address) and who may invite."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from compartilha.extensions import db
from compartilha.models import Invitation, User
from compartilha.models.columns import utcnow
from tests.mailbox import links_in, outbox

ADMIN_ROUTES = [("post", "/api/v1/admin/invitations", {}),
                ("get", "/api/v1/admin/invitations", None),
                ("delete", "/api/v1/admin/invitations/{id}", None)]


@pytest.fixture
def people(auth):
    """The instance's first account (its admin) and a second one (a user)."""
    return auth.user(name="Ada"), auth.user(name="Bia")


def _signup(client, email, invitation=None, name="Cid"):
    body = {"name": name, "email": email, "password": "correct horse"}
    if invitation is not None:
        body["invitation"] = invitation
    return client.post("/api/v1/auth/register", json=body)


def _code(rv) -> str:
    return rv.get_json()["error"]["code"]


def _invite(client, account, email=None, admin=True):
    path = "/api/v1/admin/invitations" if admin else "/api/v1/invitations"
    rv = client.post(path, headers=account.headers, json={"email": email} if email else {})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["invitation"]


def _accounts(app) -> int:
    with app.app_context():
        return db.session.query(User).count()


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ADMIN_ROUTES])
def test_every_admin_invitation_route_refuses_a_user_and_nobody(app, client, people, method,
                                                                 path, body):
    admin_account, user = people
    made = _invite(client, admin_account)
    target = path.format(id=made["id"])
    refused = getattr(client, method)(target, headers=user.headers, json=body)
    assert refused.status_code == 403 and _code(refused) == "admin_only"
    assert getattr(app.test_client(), method)(target, json=body).status_code == 401
    with app.app_context():
        assert db.session.query(Invitation).count() == 1
        assert db.session.get(Invitation, made["id"]).revoked_at is None


def test_invite_only_sign_up_by_a_mailed_invitation(app, client, people):
    admin_account, _ = people
    app.config["REGISTRATION"] = "invite_only"
    refused = _signup(client, "cid@example.com")
    assert refused.status_code == 403 and _code(refused) == "invitation_required"
    made = _invite(client, admin_account, "Cid@Example.com")
    assert made["email"] == "cid@example.com" and made["state"] == "pending"
    assert made["url"].endswith(f"/signup?invitation={made['token']}")
    mailed = outbox(app)[-1]
    assert mailed["To"] == "cid@example.com" and "Ada" in mailed["Subject"]
    link = next(url for url in links_in(mailed) if "/signup?" in url)
    token = parse_qs(urlsplit(link).query)["invitation"][0]
    assert token == made["token"] and len(token) >= 22  # ≥ 128 bits in base64url
    assert _signup(client, "cid@example.com", token).status_code == 201
    again = _signup(client, "cid@example.com", token)
    assert again.status_code == 403 and _code(again) == "invitation_invalid"
    listed = client.get("/api/v1/admin/invitations", headers=admin_account.headers).get_json()
    assert [(i["state"], "token" in i) for i in listed["invitations"]] == [("used", False)]
    with app.app_context():
        row = db.session.get(Invitation, made["id"])
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.used_by == db.session.query(User).filter_by(email="cid@example.com").one().id


def test_the_invitation_mail_speaks_the_inviters_language(app, client, people):
    admin_account, _ = people
    with app.app_context():
        db.session.query(User).filter_by(email=admin_account.email).update({"language": "en"})
        db.session.commit()
    _invite(client, admin_account, "cid@example.com")
    assert outbox(app)[-1]["Subject"] == "Ada invited you to Compartilha"
    with app.app_context():
        db.session.query(User).filter_by(email=admin_account.email).update(
            {"language": "pt_BR"})
        db.session.commit()
    _invite(client, admin_account, "dan@example.com")
    assert outbox(app)[-1]["Subject"] == "Ada convidou você para Compartilha"


def test_two_sign_ups_racing_on_one_invitation_make_one_account(app, client, people):
    admin_account, _ = people
    app.config["REGISTRATION"] = "invite_only"
    token = _invite(client, admin_account)["token"]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def sign_up(email):
        own = app.test_client()
        start.wait()
        statuses.append(_signup(own, email, token).status_code)

    threads = [threading.Thread(target=sign_up, args=(f"racer{n}@example.com",))
               for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [201, 403]
    assert _accounts(app) == 3


def test_an_expired_or_revoked_invitation_admits_no_one(app, client, people):
    admin_account, _ = people
    app.config["REGISTRATION"] = "invite_only"
    expired, revoked = _invite(client, admin_account), _invite(client, admin_account)
    with app.app_context():
        db.session.get(Invitation, expired["id"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.delete(f"/api/v1/admin/invitations/{revoked['id']}",
                         headers=admin_account.headers).status_code == 204
    for made in (expired, revoked):
        rv = _signup(client, "cid@example.com", made["token"])
        assert rv.status_code == 403 and _code(rv) == "invitation_invalid"
    guessed = _signup(client, "cid@example.com", "x" * 43)
    assert guessed.status_code == 403 and _code(guessed) == "invitation_invalid"
    states = {i["id"]: i["state"] for i in client.get(
        "/api/v1/admin/invitations", headers=admin_account.headers).get_json()["invitations"]}
    assert states == {expired["id"]: "expired", revoked["id"]: "revoked"}
    assert _accounts(app) == 2


def test_an_invitation_for_an_address_admits_only_that_one(app, client, people):
    admin_account, _ = people
    app.config["REGISTRATION"] = "invite_only"
    token = _invite(client, admin_account, "cid@example.com")["token"]
    other = _signup(client, "eve@example.com", token)
    assert other.status_code == 403 and _code(other) == "invitation_wrong_email"
    assert _signup(client, "  CID@example.COM ", token).status_code == 201  # canonical form
    assert _accounts(app) == 3


def test_closed_sign_up_refuses_everyone_even_with_an_invitation(app, client, people):
    admin_account, _ = people
    token = _invite(client, admin_account)["token"]
    app.config["REGISTRATION"] = "closed"
    for invitation in (None, token):
        rv = _signup(client, "cid@example.com", invitation)
        assert rv.status_code == 403 and _code(rv) == "registration_closed"
    assert _accounts(app) == 2


def test_the_first_account_of_an_empty_instance_may_always_sign_up(app, client):
    app.config["REGISTRATION"] = "closed"
    app.config["REGISTRATION_DOMAINS"] = ("example.org",)
    assert _signup(client, "first@example.com").status_code == 201
    with app.app_context():
        assert db.session.query(User).one().role == "admin"
    assert _code(_signup(client, "second@example.org")) == "registration_closed"


def test_the_domain_allow_list_and_an_admins_invitation_past_it(app, client, people):
    admin_account, user = people
    app.config["REGISTRATION_DOMAINS"] = ("example.org",)
    app.config["USERS_MAY_INVITE"] = True
    refused = _signup(client, "cid@example.com")
    assert refused.status_code == 403 and _code(refused) == "email_domain_not_allowed"
    assert _signup(client, "cid@EXAMPLE.org").status_code == 201
    from_user = _invite(client, user, admin=False)["token"]
    refused = _signup(client, "dan@example.com", from_user)
    assert refused.status_code == 403 and _code(refused) == "email_domain_not_allowed"
    from_admin = _invite(client, admin_account)["token"]
    assert _signup(client, "dan@example.com", from_admin).status_code == 201
    assert _accounts(app) == 4


def test_users_invite_only_when_allowed_and_see_their_own(app, client, people, auth):
    admin_account, user = people
    for method, path in (("post", "/api/v1/invitations"), ("get", "/api/v1/invitations")):
        rv = getattr(client, method)(path, headers=user.headers, json={})
        assert rv.status_code == 403 and _code(rv) == "invitations_disabled"
    app.config["USERS_MAY_INVITE"] = True
    app.config["REGISTRATION"] = "invite_only"
    mine = _invite(client, user, "cid@example.com", admin=False)
    theirs = _invite(client, admin_account)
    listed = client.get("/api/v1/invitations", headers=user.headers).get_json()["invitations"]
    assert [i["id"] for i in listed] == [mine["id"]]
    rv = client.delete(f"/api/v1/invitations/{theirs['id']}", headers=user.headers)
    assert rv.status_code == 404 and _code(rv) == "invitation_not_found"
    assert _signup(client, "cid@example.com", mine["token"]).status_code == 201
    app.config["USERS_MAY_INVITE"] = False  # turned off: their pending ones still work
    rv = client.post("/api/v1/invitations", headers=user.headers, json={})
    assert rv.status_code == 403 and _code(rv) == "invitations_disabled"
    assert _signup(client, "dan@example.com", theirs["token"]).status_code == 201


def test_events_name_each_step_and_never_the_token(app, client, people, caplog):
    admin_account, _ = people
    app.config["REGISTRATION"] = "invite_only"
    caplog.set_level(logging.INFO, logger="compartilha.events")
    made = _invite(client, admin_account, "cid@example.com")
    _signup(client, "eve@example.com", made["token"])
    _signup(client, "cid@example.com", made["token"])
    client.delete(f"/api/v1/admin/invitations/{made['id']}", headers=admin_account.headers)
    events = [(r.getMessage(), getattr(r, "fields", {})) for r in caplog.records
              if r.name == "compartilha.events"]
    named = {name: fields for name, fields in events if name.startswith(("invitation.",
                                                                         "signup."))}
    assert named["invitation.created"]["invitation_id"] == made["id"]
    assert named["invitation.created"]["has_email"] is True
    assert named["signup.refused"]["reason"] == "invitation_wrong_email"
    assert named["invitation.used"]["invitation_id"] == made["id"]
    assert named["invitation.revoked"]["invitation_id"] == made["id"]
    assert made["token"] not in repr(events)
