"""services.audit: which events become rows, what a row holds (never a secret), the
search, the CSV export, and the retention purge."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from compartilha.errors import AdminOnly
from compartilha.extensions import db
from compartilha.logs import event
from compartilha.models import AuditEvent, Setting
from compartilha.models.columns import utcnow
from compartilha.services import accounts, audit, files, folders, housekeeping

from .conftest import PASSWORD, stored


@pytest.fixture
def admin(ctx):
    return accounts.register("Ada", "ada@example.com", PASSWORD)  # the first is the admin


def rows() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.query(AuditEvent).order_by(AuditEvent.id))


def test_an_event_outside_a_request_is_written_at_once(ctx):
    event("settings.changed", actor_id=1, key="site_name", value="Nuvem")
    event("share.opened", share_id=1)  # not audited
    (row,) = rows()
    assert (row.action, row.actor_id, row.target) == ("settings.changed", 1, "setting:site_name")
    assert json.loads(row.details) == {"value": "Nuvem"}


def test_deleting_a_file_and_a_folder_is_recorded(user):
    record = stored(user.id)
    files.delete(user.id, record.id)
    folder = folders.create(user.id, "Fotos")
    folders.delete(user.id, folder.id)
    found = [(r.action, r.actor_id, r.target) for r in rows()]
    assert ("file.deleted", user.id, f"file:{record.id}") in found
    assert ("folder.deleted", user.id, f"folder:{folder.id}") in found


def test_search_filters_and_pages(admin):
    now = utcnow()
    for i, (action, actor) in enumerate([("login.failed", 7), ("login.succeeded", 7),
                                         ("logout.everywhere", 8), ("share.created", 7)]):
        db.session.add(AuditEvent(time=now - timedelta(hours=i), action=action, actor_id=actor,
                                  target=f"user:{actor}", ip="", details=None))
    db.session.commit()

    def actions(**filters):
        return [r.action for r in audit.search(admin, audit.Filters(**filters)).items
                if r.action != "account.registered"]

    assert actions() == ["login.failed", "login.succeeded", "logout.everywhere",
                         "share.created"]
    assert actions(action="login") == ["login.failed", "login.succeeded"]
    assert actions(action="login.failed") == ["login.failed"]
    assert actions(actor_id=8) == ["logout.everywhere"]
    assert actions(target="user:8") == ["logout.everywhere"]
    assert actions(since=now - timedelta(hours=1, minutes=30),
                   until=now - timedelta(minutes=30)) == ["login.succeeded"]
    page = audit.search(admin, audit.Filters(), page=2, per_page=2)  # after the sign-up's
    assert page.total == 5 and [r.action for r in page.items] == ["login.succeeded",
                                                                   "logout.everywhere"]


def test_a_user_can_neither_search_nor_export(admin):
    user = accounts.register("Bia", "bia@example.com", PASSWORD)
    with pytest.raises(AdminOnly):
        audit.search(user, audit.Filters())
    with pytest.raises(AdminOnly):
        next(audit.export_csv(user, audit.Filters()))


def test_csv_export_is_safe_from_formulas_and_comes_in_batches(admin):
    for target in ("=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "user:3"):
        db.session.add(AuditEvent(action="share.created", actor_id=admin.id, target=target,
                                  ip="", details=None))
    db.session.commit()
    chunks = list(audit.export_csv(admin, audit.Filters(action="share"), batch=2))
    assert len(chunks) == 4  # the header, then three batches
    table = list(csv.reader(io.StringIO("".join(chunks))))
    assert table[0] == list(audit.CSV_FIELDS)
    assert [line[3] for line in table[1:]] == [
        "'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)", "user:3"]


def test_purge_keeps_rows_within_the_retention_and_all_with_zero(admin):
    db.session.add(AuditEvent(time=utcnow() - timedelta(days=40), action="login.failed",
                              target="", ip=""))
    db.session.add(AuditEvent(time=utcnow() - timedelta(days=10), action="login.failed",
                              target="", ip=""))
    db.session.add(Setting(key="audit_retention_days", value=json.dumps(0)))
    db.session.commit()
    assert audit.purge() == 0 and len(rows()) == 3
    db.session.get(Setting, "audit_retention_days").value = json.dumps(30)
    db.session.commit()
    assert housekeeping.run().audit == 1
    assert [r.action for r in rows()] == ["account.registered", "login.failed"]
