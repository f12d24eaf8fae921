"""The admin pages: a user gets 403, nobody the login page, an admin the users and
their actions, which call the same services as the API."""

from __future__ import annotations

import pytest

from compartilha.extensions import db
from compartilha.models import User
from tests.web.conftest import csrf_cookie, sign_in


@pytest.fixture
def people(app, auth):
    return auth.register(name="Ada"), auth.register(name="Bia")



def _bia(app) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(name="Bia").one().id


@pytest.mark.parametrize(("method", "path"), [("get", "/admin/users"),
                                               ("post", "/admin/users/2")])
def test_the_pages_refuse_users_and_nobody(app, people, method, path):
    nobody = app.test_client()
    rv = getattr(nobody, method)(path)
    assert rv.status_code in (302, 403)
    if method == "get":
        assert rv.status_code == 302 and "/login" in rv.headers["Location"]
    user = sign_in(app.test_client(), people[1])
    rv = getattr(user, method)(path, data={"csrf_token": csrf_cookie(user), "action": "admin"},
                               headers={"Origin": "http://localhost"})
    assert rv.status_code == 403
    with app.app_context():
        assert db.session.query(User).filter_by(role="admin").count() == 1


def test_an_admin_sees_users_and_acts(app, people):
    ada = sign_in(app.test_client(), people[0])
    page = ada.get("/admin/users?q=bia")
    assert page.status_code == 200 and b"Bia" in page.data and b"Ada" not in page.data
    assert b'href="/admin/users"' in ada.get("/files").data  # the header's link
    user = sign_in(app.test_client(), people[1])
    assert b'href="/admin/users"' not in user.get("/files").data
    bia = _bia(app)
    for action in ("admin", "user", "disable"):
        rv = ada.post(f"/admin/users/{bia}",
                      data={"csrf_token": csrf_cookie(ada), "action": action},
                      headers={"Origin": "http://localhost"})
        assert rv.status_code == 302
    rv = ada.post(f"/admin/users/{bia}", data={"csrf_token": csrf_cookie(ada), "action": "quota",
                                              "quota_mb": "1,5"},
                  headers={"Origin": "http://localhost"})
    with app.app_context():
        found = db.session.get(User, bia)
        assert found.disabled_at is not None and found.role == "user"
        assert found.quota_bytes == 3 * 2**19
    rv = ada.post(f"/admin/users/{bia}", data={"csrf_token": csrf_cookie(ada), "action": "delete"},
                  headers={"Origin": "http://localhost"})
    with app.app_context():
        assert db.session.get(User, bia) is None


def test_a_disabled_account_is_told_at_login(app, people):
    ada = sign_in(app.test_client(), people[0])
    ada.post(f"/admin/users/{_bia(app)}",
             data={"csrf_token": csrf_cookie(ada), "action": "disable"},
             headers={"Origin": "http://localhost"})
    rv = app.test_client().post("/login", data={"email": people[1].email,
                                                "password": people[1].password})
    assert rv.status_code == 403 and b"desativada" in rv.data


def test_the_users_page_pages_through_many_accounts(app, people):
    with app.app_context():
        for n in range(60):
            db.session.add(User(name=f"Zed {n:02d}", email=f"zed{n}@example.com",
                                email_skeleton=f"zed{n}@example.com", password_hash="h"))
        db.session.commit()
    ada = sign_in(app.test_client(), people[0])
    first = ada.get("/admin/users?sort=name").data.decode()
    second = ada.get("/admin/users?sort=name&page=2").data.decode()
    assert 'aria-current="page">1<' in first and "page=2" in first
    assert "Zed 47" in first and "Zed 48" not in first  # Ada, Bia, Zed 00…47: 50 a page
    assert "Zed 48" in second and "Zed 59" in second and "Zed 47" not in second
    assert 'class="admin-tabs"' in first
