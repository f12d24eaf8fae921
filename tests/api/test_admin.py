"""The admin API: every route refuses users (403) and nobody (401); admins list, search,
sort, change, disable, delete accounts, end their sessions and mail them a reset."""

from __future__ import annotations

import threading

import pytest

from compartilha.extensions import db
from compartilha.models import File, Session, User
from tests.mailbox import outbox

ROUTES = [("get", "/api/v1/admin/users", None), ("get", "/api/v1/admin/users/{id}", None),
          ("patch", "/api/v1/admin/users/{id}", {"role": "admin"}),
          ("delete", "/api/v1/admin/users/{id}", None),
          ("delete", "/api/v1/admin/users/{id}/sessions", None),
          ("post", "/api/v1/admin/users/{id}/password-reset", None)]


@pytest.fixture
def people(auth):
    """The instance's first account (its admin) and a second one (a user)."""
    return auth.user(name="Ada"), auth.user(name="Bia")


def _id(app, account) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(email=account.email).one().id


def _call(client, method, path, account=None, json=None):
    headers = account.headers if account else {}
    return getattr(client, method)(path, headers=headers, json=json)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_admin_route_refuses_a_user_and_nobody(app, client, people, method, path, body):
    admin_account, user = people
    target = path.format(id=_id(app, admin_account))
    refused = _call(client, method, target, user, body)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "admin_only"
    assert _call(app.test_client(), method, target, None, body).status_code == 401
    with app.app_context():  # nothing changed
        assert db.session.query(User).count() == 2
        assert db.session.query(User).filter_by(role="admin").count() == 1


def test_the_first_account_is_admin_and_me_says_so(client, people, auth):
    admin_account, user = people
    auth.file(user, b"12345")
    me = client.get("/api/v1/me", headers=admin_account.headers).get_json()["user"]
    assert me["role"] == "admin" and me["used_bytes"] == 0 and me["quota_bytes"] is None
    me = client.get("/api/v1/me", headers=user.headers).get_json()["user"]
    assert me["role"] == "user" and me["used_bytes"] == 5 and me["verified"] is False


def test_list_search_and_sort(client, people, auth):
    admin_account, user = people
    auth.file(user, b"x" * 10)
    auth.file(user, b"y" * 5)
    rv = client.get("/api/v1/admin/users?sort=bytes&order=desc", headers=admin_account.headers)
    assert rv.status_code == 200
    listed = rv.get_json()["users"]
    assert [u["name"] for u in listed] == ["Bia", "Ada"]
    assert listed[0]["files"] == 2 and listed[0]["used_bytes"] == 15
    assert listed[0]["last_login_at"] is not None and listed[0]["disabled"] is False
    assert rv.get_json()["pagination"]["total"] == 2
    found = client.get("/api/v1/admin/users?q=BI", headers=admin_account.headers).get_json()
    assert [u["name"] for u in found["users"]] == ["Bia"]
    found = client.get(f"/api/v1/admin/users?q={user.email.upper()}",
                       headers=admin_account.headers).get_json()
    assert [u["name"] for u in found["users"]] == ["Bia"]
    bad = client.get("/api/v1/admin/users?sort=password", headers=admin_account.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("sort", ["name", "email", "verified", "role", "files", "bytes",
                                  "last_login", "created"])
def test_every_sort_answers(client, people, sort):
    admin_account, _ = people
    for order in ("asc", "desc"):
        rv = client.get(f"/api/v1/admin/users?sort={sort}&order={order}",
                        headers=admin_account.headers)
        assert rv.status_code == 200 and len(rv.get_json()["users"]) == 2


def test_promote_demote_and_never_the_last_admin(app, client, people):
    admin_account, user = people
    ada, bia = _id(app, admin_account), _id(app, user)
    own = client.patch(f"/api/v1/admin/users/{ada}", headers=admin_account.headers,
                       json={"role": "user"})
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "not_on_yourself"
    rv = client.patch(f"/api/v1/admin/users/{bia}", headers=admin_account.headers,
                      json={"role": "admin"})
    assert rv.status_code == 200 and rv.get_json()["user"]["role"] == "admin"
    rv = client.patch(f"/api/v1/admin/users/{ada}", headers=user.headers, json={"role": "user"})
    assert rv.status_code == 200
    refused = client.get("/api/v1/admin/users", headers=admin_account.headers)
    assert refused.status_code == 403


def test_the_last_admin_cannot_delete_their_account_while_others_remain(client, people):
    admin_account, user = people
    rv = client.delete("/api/v1/me", headers=admin_account.headers,
                       json={"password": admin_account.password})
    assert rv.status_code == 409 and rv.get_json()["error"]["code"] == "last_admin"
    assert client.delete("/api/v1/me", headers=user.headers,
                         json={"password": user.password}).status_code == 204
    # Alone, the admin may go: the instance is empty again, its next account its admin.
    assert client.delete("/api/v1/me", headers=admin_account.headers,
                         json={"password": admin_account.password}).status_code == 204


def test_two_admins_demoting_each_other_at_once_leave_one(app, people, client):
    admin_account, user = people
    ada, bia = _id(app, admin_account), _id(app, user)
    client.patch(f"/api/v1/admin/users/{bia}", headers=admin_account.headers,
                 json={"role": "admin"})
    statuses: list[int] = []
    start = threading.Barrier(2)

    def demote(account, target):
        own = app.test_client()
        start.wait()
        statuses.append(own.patch(f"/api/v1/admin/users/{target}", headers=account.headers,
                                  json={"role": "user"}).status_code)

    threads = [threading.Thread(target=demote, args=(admin_account, bia)),
               threading.Thread(target=demote, args=(user, ada))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) in ([200, 403], [200, 409])
    with app.app_context():
        assert db.session.query(User).filter_by(role="admin").count() == 1


def test_disable_ends_sessions_refuses_login_and_hides_links(app, client, people, auth):
    admin_account, user = people
    bia = _id(app, user)
    file_id = auth.file(user)["id"]
    token = auth.share(user, file_id)["token"]
    assert client.get(f"/s/{token}").status_code == 200
    rv = client.patch(f"/api/v1/admin/users/{bia}", headers=admin_account.headers,
                      json={"disabled": True})
    assert rv.status_code == 200 and rv.get_json()["user"]["disabled"] is True
    assert client.get("/api/v1/me", headers=user.headers).status_code == 401
    assert client.get(f"/s/{token}").status_code == 404
    login = client.post("/api/v1/auth/login", json={"email": user.email,
                                                    "password": user.password})
    assert login.status_code == 403 and login.get_json()["error"]["code"] == "account_disabled"
    wrong = client.post("/api/v1/auth/login", json={"email": user.email, "password": "nope"})
    assert wrong.status_code == 401  # a wrong password tells nothing more
    client.patch(f"/api/v1/admin/users/{bia}", headers=admin_account.headers,
                 json={"disabled": False})
    assert client.get(f"/s/{token}").status_code == 200
    auth.login(user)
    assert client.get("/api/v1/me", headers=user.headers).status_code == 200


def test_disabled_owner_upload_link_answers_404(app, client, people):
    admin_account, user = people
    link = client.post("/api/v1/requests", headers=user.headers, json={"title": "t"})
    token = link.get_json()["request"]["token"]
    assert client.get(f"/r/{token}").status_code == 200
    client.patch(f"/api/v1/admin/users/{_id(app, user)}", headers=admin_account.headers,
                 json={"disabled": True})
    assert client.get(f"/r/{token}").status_code == 404
    client.patch(f"/api/v1/admin/users/{_id(app, user)}", headers=admin_account.headers,
                 json={"disabled": False})
    assert client.get(f"/r/{token}").status_code == 200


def test_quota_is_stored_and_checked(app, client, people):
    admin_account, user = people
    path = f"/api/v1/admin/users/{_id(app, user)}"
    rv = client.patch(path, headers=admin_account.headers, json={"quota_bytes": 10 * 2**20})
    assert rv.status_code == 200 and rv.get_json()["user"]["quota_bytes"] == 10 * 2**20
    assert client.get("/api/v1/me", headers=user.headers).get_json()["user"][
        "quota_bytes"] == 10 * 2**20
    for bad in (-1, "x", 1.5):
        rv = client.patch(path, headers=admin_account.headers, json={"quota_bytes": bad})
        assert rv.status_code == 422
    rv = client.patch(path, headers=admin_account.headers, json={"quota_bytes": None})
    assert rv.get_json()["user"]["quota_bytes"] is None
    assert client.patch(path, headers=admin_account.headers,
                        json={"role": "root"}).status_code == 422


def test_delete_removes_the_account_with_its_files(app, client, people, auth):
    admin_account, user = people
    bia = _id(app, user)
    auth.file(user)
    with app.app_context():
        key = db.session.query(File).one().key
        from compartilha.storage import get_storage

        assert get_storage().exists(key)
    own = client.delete(f"/api/v1/admin/users/{_id(app, admin_account)}",
                        headers=admin_account.headers)
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "not_on_yourself"
    assert client.delete(f"/api/v1/admin/users/{bia}",
                         headers=admin_account.headers).status_code == 204
    with app.app_context():
        assert db.session.get(User, bia) is None and db.session.query(File).count() == 0
        assert not get_storage().exists(key)
    assert client.get(f"/api/v1/admin/users/{bia}",
                      headers=admin_account.headers).status_code == 404


def test_end_sessions_and_send_reset(app, client, people):
    admin_account, user = people
    bia = _id(app, user)
    assert client.delete(f"/api/v1/admin/users/{bia}/sessions",
                         headers=admin_account.headers).status_code == 204
    assert client.get("/api/v1/me", headers=user.headers).status_code == 401
    with app.app_context():
        assert db.session.query(Session).filter_by(user_id=bia, revoked_at=None).count() == 0
    assert client.post(f"/api/v1/admin/users/{bia}/password-reset",
                       headers=admin_account.headers).status_code == 204
    mailed = outbox(app)[-1]
    assert mailed["To"] == user.email and "/reset#" in mailed.get_body(("plain",)).get_content()
