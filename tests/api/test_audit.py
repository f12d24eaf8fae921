"""The audit log through the API: what the app's own events leave in it (never a secret),
rows kept when the request fails, the admin-only list and its CSV export."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from flask.testing import FlaskClient

from compartilha.extensions import db
from compartilha.logs import event
from compartilha.models import AuditEvent, User
from compartilha.services import audit
from tests.helpers import error_code

INVITATION_TOKEN = "inv_Q9zXv3LmR7tYp2WkS8dHf"  # noqa: S105


@pytest.fixture
def people(auth):
    """The instance's first account (its admin) and a second one (a user)."""
    return auth.user(name="Ada"), auth.user(name="Bia")


def all_rows(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.query(AuditEvent).order_by(AuditEvent.id))


def user_id(app, account) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(email=account.email).one().id


def test_no_secret_or_link_token_reaches_the_audit_log(app, client, auth, people):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    ada, bia = people
    file_id = auth.upload(bia).get_json()["file"]["id"]
    share = client.post("/api/v1/shares", headers=bia.headers,
                        json={"file_ids": [file_id], "password": "share pass 123"}
                        ).get_json()["share"]
    link = client.post("/api/v1/requests", headers=bia.headers,
                       json={"title": "Fotos", "password": "request pass 456"}
                       ).get_json()["request"]
    hook = client.post("/api/v1/webhooks", headers=bia.headers,
                       json={"url": "http://127.0.0.1:9/hook"}).get_json()["webhook"]
    with app.test_request_context("/invite", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        event("invitation.created", invitation_id=4, user_id=1, token=INVITATION_TOKEN,
              url=f"http://localhost/invite/{INVITATION_TOKEN}", email="nova@example.com")
    assert client.post("/api/v1/auth/login", json={
        "email": bia.email, "password": "known wrong pw 789"}).status_code == 401
    client.delete(f"/api/v1/shares/{share['id']}", headers=bia.headers)
    client.delete(f"/api/v1/requests/{link['id']}", headers=bia.headers)
    rows = all_rows(app)
    actions = {row.action for row in rows}
    assert {"account.registered", "login.succeeded", "share.created", "request.created",
            "invitation.created", "login.failed", "share.revoked",
            "request.revoked"} <= actions
    text = "\n".join(json.dumps([row.action, row.target, row.ip, row.details]) for row in rows)
    for secret in ("share pass 123", "request pass 456", "known wrong pw 789", share["token"],
                   link["token"], hook["secret"], INVITATION_TOKEN, ada.token, bia.token,
                   ada.password, bia.email, "nova@example.com"):
        assert secret not in text, secret
    invited = next(row for row in rows if row.action == "invitation.created")
    assert (invited.target, invited.ip) == ("invitation:4", "192.0.2.7")


def test_a_failed_login_is_kept_though_its_request_fails(app, client, people):
    _, bia = people
    rv = client.post("/api/v1/auth/login", json={"email": bia.email, "password": "nope nope"},
                     environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert rv.status_code == 401
    failed = [row for row in all_rows(app) if row.action == "login.failed"]
    assert [(row.actor_id, row.target, row.ip) for row in failed] == [
        (user_id(app, bia), f"user:{user_id(app, bia)}", "198.51.100.23")]
    assert json.loads(failed[0].details)["email"].startswith(bia.email[0] + "***@")


def test_a_login_lockout_is_recorded_once_not_for_every_refused_try(app, client, people):
    _, bia = people
    for _ in range(14):
        rv = client.post("/api/v1/auth/login", json={"email": bia.email, "password": "guess!"},
                         environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert rv.status_code == 429
    locked = [row for row in all_rows(app) if row.action == "rate_limited"]
    assert len(locked) == 1 and locked[0].ip == "203.0.113.50"
    assert json.loads(locked[0].details)["rule"].startswith("login")


def test_an_audit_write_failure_does_not_fail_the_request(app, client, people, monkeypatch,
                                                          caplog):
    def broken(entries):
        raise RuntimeError("database gone")

    monkeypatch.setattr(audit, "record", broken)
    _, bia = people
    with caplog.at_level(logging.ERROR):
        assert client.post("/api/v1/auth/login", json={
            "email": bia.email, "password": bia.password}).status_code == 200
    assert any("audit" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.parametrize("path", ["/api/v1/admin/audit", "/api/v1/admin/audit.csv"])
def test_a_user_gets_403_and_nobody_401(app, client, people, path):
    _, bia = people
    rv = client.get(path, headers=bia.headers)
    assert rv.status_code == 403 and error_code(rv) == "admin_only"
    assert app.test_client().get(path).status_code == 401


def test_the_admin_lists_filters_and_pages(app, client, people):
    ada, bia = people
    client.post("/api/v1/auth/login", json={"email": bia.email, "password": "wrong one!"})
    rv = client.get("/api/v1/admin/audit?per_page=2", headers=ada.headers)
    body = rv.get_json()
    assert rv.status_code == 200 and len(body["events"]) == 2
    assert set(body["events"][0]) == {"time", "action", "actor_id", "target", "ip", "details"}
    assert body["events"][0]["action"] == "login.failed"  # newest first
    assert body["pagination"]["per_page"] == 2 and body["pagination"]["total"] >= 5
    bia_id = user_id(app, bia)
    rv = client.get(f"/api/v1/admin/audit?action=login&actor_id={bia_id}", headers=ada.headers)
    assert [e["action"] for e in rv.get_json()["events"]] == ["login.failed",
                                                                 "login.succeeded"]
    rv = client.get(f"/api/v1/admin/audit?target=user:{bia_id}&action=account",
                    headers=ada.headers)
    assert [e["action"] for e in rv.get_json()["events"]] == ["account.registered"]
    rv = client.get("/api/v1/admin/audit?since=2000-01-01T00:00:00&until=2000-01-02T00:00:00Z",
                    headers=ada.headers)
    assert rv.get_json()["events"] == []
    assert client.get("/api/v1/admin/audit?since=yesterday",
                      headers=ada.headers).status_code == 422


def test_the_csv_export_streams_the_filtered_rows_safely(app, client, people):
    ada, _ = people
    with app.app_context():
        db.session.add(AuditEvent(action="settings.changed", actor_id=1,
                                  target="=cmd|' /C calc'!A0", ip="", details=None))
        db.session.commit()
    streaming = FlaskClient(app, app.response_class)  # not the fixture's, which buffers
    rv = streaming.get("/api/v1/admin/audit.csv?action=settings", headers=ada.headers)
    assert rv.status_code == 200 and rv.mimetype == "text/csv" and rv.is_streamed
    assert "attachment" in rv.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(rv.get_data(as_text=True))))
    assert table[0] == ["time", "action", "actor_id", "target", "ip", "details"]
    assert [line[1:4] for line in table[1:]] == [["settings.changed", "1", "'=cmd|' /C calc'!A0"]]
