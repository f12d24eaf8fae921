"""Which security events of `compartilha.logs.event` the audit log keeps, and the row
each becomes: who acted, on what (`user:5`, `share:12`), from where, and the event's
other fields as JSON, cut to fit, with every secret dropped and emails masked. Pure
functions: `services.audit` writes the rows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..logs import mask_email
from ..models.columns import utcnow

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
    "two_step.enabled": "user_id", "two_step.disabled": "user_id",
    "two_step.recovery_used": "user_id", "two_step.failed": "user_id",
    "two_step.recovery_renewed": "user_id",
    "token.created": "token_id", "token.revoked": "token_id",
    "passkey.added": "passkey_id", "passkey.removed": "passkey_id",
    "oidc.linked": "user_id", "oidc.account_created": "user_id", "oidc.refused": "user_id",
    "oidc.failed": None, "oidc.role_kept": "user_id",
}
# For the filters of the page: what an action starts with.
GROUPS = ("login", "rate_limited", "password", "password_reset", "account", "logout",
          "admin", "share", "request", "file", "folder", "quota", "malware", "settings",
          "invitation", "signup", "two_step", "token", "passkey", "oidc")
# Only the lockouts of the sign-in rules are worth a row; other limits are noise.
LOCKOUT_RULES = ("login", "two-step")
ACTOR_FIELDS = ("actor_id", "admin_id")  # who acted, when `user_id` is the target
SECRET_WORDS = ("password", "senha", "token", "link", "secret", "code", "csrf",
                "authorization", "cookie", "key_material", "otp", "url")
KNOWN_KINDS = {"user_id": "user", "share_id": "share", "request_id": "request",
               "file_id": "file", "folder_id": "folder", "invitation_id": "invitation",
               "webhook_id": "webhook", "key": "setting", "token_id": "token"}
NOT_DETAILS = {"ip", "method", "path", *ACTOR_FIELDS}
DETAILS_MAX, TARGET_MAX, IP_MAX, ACTION_MAX = 1000, 255, 45, 48
_EMAIL_RE = re.compile(r"([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
_LONG_RE = re.compile(r"[\w-]{32,}")  # a token-like run: dropped, whatever it was

@dataclass(frozen=True)
class Entry:
    """A row to be written: what `record` stores."""

    action: str
    actor_id: int | None
    target: str
    ip: str
    details: str | None
    time: datetime = field(default_factory=utcnow)


def audited(name: str, fields: dict[str, Any]) -> bool:
    if name == "rate_limited":
        return str(fields.get("rule", "")).startswith(LOCKOUT_RULES)
    return name in AUDITED or name.startswith("admin.")


def entry(name: str, fields: dict[str, Any]) -> Entry | None:
    """The row for event `name`, or None if it is not audited."""
    if not audited(name, fields):
        return None
    subject = AUDITED.get(name, "user_id")  # admin.*: the account acted on
    actor = next((fields[key] for key in ACTOR_FIELDS if fields.get(key) is not None),
                 fields.get("user_id"))
    target = _target(subject, fields)
    rest = {key: value for key, value in fields.items()
            if key not in NOT_DETAILS and key != subject and not _secret(key, value)}
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


def _secret(key: str, value: Any = None) -> bool:
    """A field named like a secret (`has_password: true` says only that one exists)."""
    if key.startswith("has_") and isinstance(value, bool):
        return False
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def _safe(value: Any) -> Any:
    """A value as stored: emails masked, token-like runs dropped, nested values too."""
    if isinstance(value, str):
        value = _EMAIL_RE.sub(lambda m: mask_email(m.group(0)), value)
        return _LONG_RE.sub("[removed]", value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items() if not _secret(str(k), v)}
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
