"""http/audit_trail: a request's audited events are written after its work, in a
transaction of their own, whatever became of the request's own transaction."""

from __future__ import annotations

from compartilha.extensions import db
from compartilha.logs import event
from compartilha.models import AuditEvent, Setting


def actions(app) -> list[str]:
    with app.app_context():
        return [row.action for row in db.session.query(AuditEvent).order_by(AuditEvent.id)]


def test_rows_wait_for_the_end_of_the_request(app):
    with app.test_request_context("/x", environ_base={"REMOTE_ADDR": "192.0.2.1"}):
        event("login.failed", user_id=3, reason="wrong password")
        event("share.opened", share_id=1)  # not audited
        assert actions(app) == []
    assert actions(app) == ["login.failed"]


def test_a_request_that_wrote_and_failed_leaves_its_events_not_its_writes(app):
    # The request's session still holds uncommitted writes (on SQLite: the one write lock)
    # when the request ends: they are dropped, the audit rows are not, and nothing waits.
    with app.test_request_context("/x"):
        db.session.add(Setting(key="site_name", value='"half done"'))
        db.session.flush()
        event("admin.user_changed", actor_id=1, user_id=2, role="user")
    assert actions(app) == ["admin.user_changed"]
    with app.app_context():
        assert db.session.get(Setting, "site_name") is None


def test_outside_a_request_a_row_waits_for_a_session_holding_the_write_lock(app):
    # A job that flushed writes and logs an event before its commit: on SQLite the row
    # cannot be written beside them from this thread; it is written when the context ends.
    with app.app_context():
        db.session.add(Setting(key="site_name", value='"half done"'))
        db.session.flush()
        event("malware.detected", file_id=3, user_id=2, signature="Eicar-Test")
    assert actions(app) == ["malware.detected"]
    with app.app_context():
        assert db.session.get(Setting, "site_name") is None


def test_outside_a_request_with_nothing_pending_a_row_is_written_at_once(app):
    with app.app_context():
        db.session.get(Setting, "site_name")  # a read opens no write transaction
        event("settings.changed", actor_id=1, key="site_name")
        assert actions(app) == ["settings.changed"]
