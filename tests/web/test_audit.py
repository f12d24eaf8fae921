"""The audit log page: admins only; rows with their actor's name (or the id of a deleted
account), filters, pages, the CSV export link; Portuguese and English."""

from __future__ import annotations

from datetime import timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import AuditEvent, User
from compartilha.models.columns import utcnow
from compartilha.web.audit import PER_PAGE
from tests.web.conftest import sign_in


@pytest.fixture
def people(app, auth):
    return auth.register(name="Ada"), auth.register(name="Bia")


def _id(app, name) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(name=name).one().id


def _add(app, *rows: AuditEvent) -> None:
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def test_users_get_403_and_nobody_the_login_page(app, people):
    rv = app.test_client().get("/admin/audit")
    assert rv.status_code == 302 and "/login" in rv.headers["Location"]
    assert sign_in(app.test_client(), people[1]).get("/admin/audit").status_code == 403


def test_the_admin_sees_events_with_their_actors(app, people):
    _add(app, AuditEvent(action="admin.user_deleted", actor_id=999, target="user:998", ip="",
                         details=None))
    page = sign_in(app.test_client(), people[0]).get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Registro de auditoria</h1>" in html
    assert 'aria-current="page"' in html and "Exportar CSV" in html
    assert "account.registered" in html and "login.succeeded" in html
    assert "Bia" in html and people[1].email in html  # the actor, by name and email
    assert "#999" in html and "conta excluída" in html
    english = sign_in(app.test_client(), people[0]).get(
        "/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Audit log</h1>" in english and "deleted account" in english


def test_filters_and_the_export_link_follow_them(app, people):
    bia = _id(app, "Bia")
    _add(app, AuditEvent(time=utcnow() - timedelta(days=3), action="share.created",
                         actor_id=bia, target="share:77", ip="", details=None))
    admin = sign_in(app.test_client(), people[0])
    html = admin.get(f"/admin/audit?action=share&actor={people[1].email}").get_data(
        as_text=True)
    assert "share:77" in html and "account.registered" not in html
    day = (utcnow() - timedelta(days=3)).date().isoformat()
    html = admin.get(f"/admin/audit?since={day}&until={day}&actor={bia}").get_data(
        as_text=True)
    assert "share:77" in html and "login.succeeded" not in html
    export = html.split('href="/api/v1/admin/audit.csv?', 1)[1].split('"', 1)[0]
    assert f"actor_id={bia}" in export
    rv = admin.get("/api/v1/admin/audit.csv?" + export.replace("&amp;", "&"))
    assert rv.status_code == 200 and "share:77" in rv.get_data(as_text=True)
    assert "login.succeeded" not in rv.get_data(as_text=True)


def test_bad_filters_say_so(app, people):
    admin = sign_in(app.test_client(), people[0])
    html = admin.get("/admin/audit?since=ontem&actor=nobody@example.com").get_data(
        as_text=True)
    assert "AAAA-MM-DD" in html and "Nenhuma conta tem este id ou e-mail." in html
    assert "Exportar CSV" not in html and "Nenhum evento encontrado." in html


def test_pages(app, people):
    _add(app, *[AuditEvent(time=utcnow() - timedelta(minutes=n), action="login.failed",
                           target=f"user:{n}", ip="", details=None)
                for n in range(1, PER_PAGE + 2)])
    admin = sign_in(app.test_client(), people[0])
    first = admin.get("/admin/audit?action=login").get_data(as_text=True)
    assert "Página 1 de 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = admin.get("/admin/audit?action=login&page=2").get_data(as_text=True)
    assert "Página 2 de 2" in second and 'rel="prev"' in second
    assert "user:51" in second and "user:51<" not in first
