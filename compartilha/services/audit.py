"""The audit log: the security events of `compartilha.logs.event` that `audit_entries`
lists, kept as rows of `auditoria` (who, what, on what, from where), searchable and
exported by admins,
purged after `audit_retention_days`. Rows are written in a transaction of their own
(`record`), so an event logged just before its request fails and rolls back is kept."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session as DBSession

from ..extensions import db, rowcount
from ..models import AuditEvent, User
from ..models.columns import utcnow
from . import audit_entries, roles, settings, throttle, validation
from .files import Page

CSV_FIELDS = ("time", "action", "actor_id", "target", "ip", "details")
CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    actor_id: int | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(entries: list[audit_entries.Entry]) -> None:
    """Write `entries` in a transaction of their own (another session: whatever the
    caller's session holds is neither committed nor rolled back here)."""
    if not entries:
        return
    with DBSession(db.engine) as session:
        session.add_all(AuditEvent(time=e.time, action=e.action, actor_id=e.actor_id,
                                   target=e.target, ip=e.ip, details=e.details)
                        for e in entries)
        session.commit()


def first_of_its_lockout(fields: dict[str, Any]) -> bool:
    """Whether a refused sign-in (`rate_limited`) is the first of its lockout: one row per
    rule, address and lockout window, not one for every refused try (an attacker who
    keeps knocking would fill the table)."""
    key = f"audit-lockout:{fields.get('rule')}:{fields.get('ip')}"
    return throttle.store().take(key, 1, max(1, int(fields.get("retry_after") or 1))) == 0


def waits_for_the_session() -> bool:
    """Whether a row written now by `record` would wait for the caller's own session: on
    SQLite, while that session holds uncommitted writes (the one write lock). Other
    databases lock rows, and no caller writes to `auditoria` itself."""
    session = db.session()
    if not session.in_transaction() or db.engine.dialect.name != "sqlite":
        return False
    raw = session.connection().connection.driver_connection
    return bool(getattr(raw, "in_transaction", False))


def _where(filters: Filters) -> list[Any]:
    where: list[Any] = []
    if filters.action:
        where.append(or_(AuditEvent.action == filters.action,
                         AuditEvent.action.startswith(filters.action + ".", autoescape=True)))
    if filters.actor_id is not None:
        where.append(AuditEvent.actor_id == filters.actor_id)
    if filters.target:
        where.append(AuditEvent.target == filters.target)
    if filters.since is not None:
        where.append(AuditEvent.time >= filters.since)
    if filters.until is not None:
        where.append(AuditEvent.time < filters.until)
    return where


def search(actor: User, filters: Filters, page: int = 1, per_page: int = 50) -> Page[AuditEvent]:
    """Rows matching `filters`, newest first (ties by id, so pages never repeat a row)."""
    roles.require_admin(actor)
    where = _where(filters)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    rows = db.session.scalars(select(AuditEvent).where(*where)
                              .order_by(AuditEvent.time.desc(), AuditEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total, page, per_page)


def actors(rows: list[AuditEvent]) -> dict[int, User]:
    """The accounts that still exist among the rows' actors, by id."""
    ids = {row.actor_id for row in rows if row.actor_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def actor_id_of(text: str) -> int | None:
    """The account an admin typed in the page's filter: an id or an email (0, which
    matches nothing, for an unknown email); None for nothing typed."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text) if int(text) <= 2**31 else 0
    user = db.session.scalar(select(User).where(User.email == validation.email_key(text)))
    return user.id if user is not None else 0


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_RISKY) else text


def export_csv(actor: User, filters: Filters, batch: int = 500) -> Iterator[str]:
    """The matching rows as CSV, oldest first, a batch at a time (memory stays flat). A
    cell that a spreadsheet would run as a formula starts with a quote."""
    roles.require_admin(actor)
    where, after = _where(filters), 0
    yield _csv_line(CSV_FIELDS)
    while True:
        rows = db.session.scalars(select(AuditEvent).where(*where, AuditEvent.id > after)
                                  .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield "".join(_csv_line([row.time.isoformat(), row.action, row.actor_id, row.target,
                                 row.ip, row.details]) for row in rows)
        after = rows[-1].id


def _csv_line(values: Any) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_cell(value) for value in values])
    return out.getvalue()


def purge(days: int | None = None) -> int:
    """Delete rows older than `days` (the `audit_retention_days` setting; 0 keeps all)."""
    if days is None:
        days = int(settings.value("audit_retention_days") or 0)
    if days <= 0:
        return 0
    result = db.session.execute(delete(AuditEvent)
                                .where(AuditEvent.time < utcnow() - timedelta(days=days)))
    db.session.commit()
    return rowcount(result)
