"""The audit log: a fixed list of the security events of `compartilha.logs.event` kept as
rows of `auditoria` (who, what, on what, from where), searchable and exported by admins,
purged after `audit_retention_days`. Rows are written in a transaction of their own
(`record`), so an event logged just before its request fails and rolls back is kept."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session as DBSession

from ..extensions import db
from ..logs import mask_email
from ..models import AuditEvent, User
from ..models.columns import utcnow
from . import roles, settings, validation
from .files import Page

# Event name -> the field naming its subject ("share_id" -> target "share:12").
AUDITED: dict[str, str | None] = {
    "login.succeeded": "user_id", "login.failed": "user_id", "login.refused": "user_id",
    "rate_limited": None, "password.changed": "user_id", "password_reset.done": "user_id",
    "account.email_changed": "user_id", "account.registered": "user_id",
    "account.deleted": "user_id", "logout.everywhere": "user_id",
    "admin.user_changed": "user_id", "admin.user_deleted": "user_id",
    "admin.sessions_ended": "user_id", "admin.reset_sent": "user_id",
    "share.created": "share_id", "share.revoked": "share_id",
    "request.created": "request_id", "request.revoked": "request_id",
    "file.deleted": "file_id", "folder.deleted": "folder_id",
    "quota.refused": "user_id", "malware.detected": "file_id",
    "settings.changed": "key", "invitation.created": "invitation_id",
    "invitation.revoked": "invitation_id", "invitation.used": "invitation_id",
    "signup.refused": None,
}
# For the filters of the page: what an action starts with.
GROUPS = ("login", "rate_limited", "password", "password_reset", "account", "logout",
          "admin", "share", "request", "file", "folder", "quota", "malware", "settings",
          "invitation", "signup")
# Only the lockouts of the sign-in rules are worth a row; other limits are noise.
LOCKOUT_RULES = ("login",)
ACTOR_FIELDS = ("actor_id", "admin_id")  # who acted, when `user_id` is the target
SECRET_WORDS = ("password", "senha", "token", "link", "secret", "code", "csrf",
                "authorization", "cookie", "key_material", "otp", "url")
KNOWN_KINDS = {"user_id": "user", "share_id": "share", "request_id": "request",
               "file_id": "file", "folder_id": "folder", "invitation_id": "invitation",
               "webhook_id": "webhook", "key": "setting"}
NOT_DETAILS = {"ip", "method", "path", *ACTOR_FIELDS}
DETAILS_MAX, TARGET_MAX, IP_MAX, ACTION_MAX = 1000, 255, 45, 48
_EMAIL_RE = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
_LONG_RE = re.compile(r"[\w-]{32,}")  # a token-like run: dropped, whatever it was
CSV_FIELDS = ("time", "action", "actor_id", "target", "ip", "details")
CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Entry:
    """A row to be written: what `record` stores."""

    action: str
    actor_id: int | None
    target: str
    ip: str
    details: str | None
    time: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    actor_id: int | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def audited(name: str, fields: dict[str, Any]) -> bool:
    if name == "rate_limited":
        return str(fields.get("rule", "")).startswith(LOCKOUT_RULES)
    return name in AUDITED


def entry(name: str, fields: dict[str, Any]) -> Entry | None:
    """The row for event `name`, or None if it is not audited."""
    if not audited(name, fields):
        return None
    subject = AUDITED.get(name)
    actor = next((fields[key] for key in ACTOR_FIELDS if fields.get(key) is not None),
                 fields.get("user_id"))
    target = _target(subject, fields)
    rest = {key: value for key, value in fields.items()
            if key not in NOT_DETAILS and key != subject and not _secret(key)}
    if actor is not None and rest.get("user_id") == actor:
        rest.pop("user_id")
    return Entry(action=name[:ACTION_MAX], actor_id=_int(actor), target=target[:TARGET_MAX],
                 ip=str(fields.get("ip") or "")[:IP_MAX], details=details_json(rest))


def _target(subject: str | None, fields: dict[str, Any]) -> str:
    if subject is None or fields.get(subject) is None:
        return ""
    return f"{KNOWN_KINDS.get(subject, subject.removesuffix('_id'))}:{_safe(fields[subject])}"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _safe(value: Any) -> Any:
    """A value as stored: emails masked, token-like runs dropped, nested values too."""
    if isinstance(value, str):
        value = _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), value)
        return _LONG_RE.sub("[removed]", value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items() if not _secret(str(k))}
    if isinstance(value, list | tuple | set):
        return [_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _safe(str(value))


def details_json(rest: dict[str, Any]) -> str | None:
    """JSON of the safe fields, cut to fit the column: long strings shortened first, then
    the last fields dropped (`"truncated": true` says so)."""
    if not rest:
        return None
    cleaned = {key: _safe(value) for key, value in sorted(rest.items())}
    text = json.dumps(cleaned, ensure_ascii=False, default=str)
    if len(text) <= DETAILS_MAX:
        return text
    cleaned = {key: value[:80] if isinstance(value, str) else value
               for key, value in cleaned.items()}
    while cleaned:
        text = json.dumps({**cleaned, "truncated": True}, ensure_ascii=False, default=str)
        if len(text) <= DETAILS_MAX:
            return text
        cleaned.popitem()
    return json.dumps({"truncated": True})


def record(entries: list[Entry]) -> None:
    """Write `entries` in a transaction of their own (another session: whatever the
    caller's session holds is neither committed nor rolled back here)."""
    if not entries:
        return
    with DBSession(db.engine) as session:
        session.add_all(AuditEvent(time=e.time, action=e.action, actor_id=e.actor_id,
                                   target=e.target, ip=e.ip, details=e.details)
                        for e in entries)
        session.commit()


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
    return int(getattr(result, "rowcount", 0) or 0)
