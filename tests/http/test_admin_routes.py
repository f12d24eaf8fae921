"""Every admin route, read from the app's URL map (so a route added later is covered too),
refuses a user and nobody on the server: the API with 403 `admin_only` / 401, the pages
with the 403 page / the login page; nothing changes."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from compartilha import create_app
from compartilha.extensions import db
from compartilha.models import AuditEvent, Invitation, Setting, User
from tests.conftest import base_config

ARG = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
# Routes under /admin or /api/v1/admin that answer without an admin by design: none.
PUBLIC: set[str] = set()


def admin_routes() -> list[tuple[str, str]]:
    app = create_app(base_config(Path(tempfile.gettempdir()), "sqlite://"))
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/admin") or rule.rule.startswith("/api/v1/admin")):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.rule not in PUBLIC:
                found.append((method, rule.rule))
    return sorted(found)


ROUTES = admin_routes()


def test_the_map_has_the_admin_routes_we_know():
    paths = {path for _, path in ROUTES}
    for known in ("/api/v1/admin/users", "/api/v1/admin/settings", "/api/v1/admin/audit",
                  "/api/v1/admin/invitations", "/admin/users", "/admin/settings",
                  "/admin/audit", "/admin/invitations"):
        assert known in paths, known


def _state(app):
    with app.app_context():
        return (db.session.query(User).filter_by(role="admin").count(),
                db.session.query(User).count(), db.session.query(Setting).count(),
                db.session.query(Invitation).count(),
                db.session.query(User).filter(User.disabled_at.isnot(None)).count())


@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_every_admin_route_refuses_a_user_and_nobody(app, auth, method, rule):
    ada = auth.user(name="Ada")  # the first account: the admin
    bia = auth.user(name="Bia")
    with app.app_context():
        ada_id = db.session.query(User).filter_by(email=ada.email).one().id
    path = ARG.sub(lambda m: str(ada_id), rule)
    before = _state(app)
    body = {"role": "user", "disabled": True, "site_name": "Hacked", "email": "x@example.com"}
    api = rule.startswith("/api/")
    if api:
        as_user = app.test_client().open(path, method=method, headers=bia.headers, json=body)
        assert as_user.status_code == 403, (method, path, as_user.data[:200])
        assert as_user.get_json()["error"]["code"] == "admin_only"
        nobody = app.test_client().open(path, method=method, json=body)
        assert nobody.status_code == 401, (method, path)
    else:
        user = app.test_client()
        assert user.post("/login", data={"email": bia.email, "password": bia.password}
                         ).status_code == 302
        cookie = user.get_cookie("compartilha_csrf")
        form = {"csrf_token": cookie.value if cookie else "", "action": "admin",
                "site_name": "Hacked", "email": "x@example.com"}
        as_user = user.open(path, method=method, data=form,
                            headers={"Origin": "http://localhost"})
        assert as_user.status_code == 403, (method, path)
        nobody = app.test_client().open(path, method=method, data=form,
                                        headers={"Origin": "http://localhost"})
        assert nobody.status_code in (302, 401, 403), (method, path)
        if method == "GET":
            assert nobody.status_code == 302 and "/login" in nobody.headers["Location"]
    assert _state(app) == before
    with app.app_context():
        assert db.session.query(AuditEvent).filter(
            AuditEvent.action.in_(["settings.changed", "admin.user_changed",
                                   "invitation.created"])).count() == 0
