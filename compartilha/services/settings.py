"""Instance settings an admin changes in the pages (Administration → Settings): stored
in `configuracoes`, one JSON value a key, read from the database on every use so that a
change applies at once on every worker and server; a key without a row takes its
default from the environment (config.py, docs/configuration.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Setting


@dataclass(frozen=True)
class Known:
    """A setting: the config variable its default comes from."""

    config: str


KNOWN: dict[str, Known] = {
    "site_name": Known("SITE_NAME"),
    "accent_color": Known("ACCENT_COLOR"),
    "max_upload_bytes": Known("MAX_UPLOAD_BYTES"),
    "registration": Known("REGISTRATION"),
    "registration_domains": Known("REGISTRATION_DOMAINS"),
    "users_may_invite": Known("USERS_MAY_INVITE"),
    "invitation_days": Known("INVITATION_DAYS"),
    "default_share_days": Known("DEFAULT_SHARE_DAYS"),
    "share_max_days": Known("SHARE_MAX_DAYS"),
    "default_max_downloads": Known("DEFAULT_MAX_DOWNLOADS"),
    "blocked_extensions": Known("UPLOADED_FILES_DENY"),
    "users_may_create_upload_links": Known("USERS_MAY_CREATE_UPLOAD_LINKS"),
    "users_may_create_public_links": Known("USERS_MAY_CREATE_PUBLIC_LINKS"),
    "default_quota_bytes": Known("DEFAULT_QUOTA_BYTES"),
    "default_quota_files": Known("DEFAULT_QUOTA_FILES"),
    "audit_retention_days": Known("AUDIT_RETENTION_DAYS"),
}


def default(key: str) -> Any:
    found = current_app.config[KNOWN[key].config]
    return list(found) if isinstance(found, tuple) else found


def value(key: str) -> Any:
    """The setting's value now: the admin's, else the environment's default."""
    stored = db.session.scalar(select(Setting.value).where(Setting.key == key))
    return default(key) if stored is None else json.loads(stored)


def values(keys: list[str] | None = None) -> dict[str, Any]:
    """Several settings in one query (all known ones when `keys` is None)."""
    wanted = list(KNOWN) if keys is None else keys
    stored = dict(db.session.execute(
        select(Setting.key, Setting.value).where(Setting.key.in_(wanted))).all())
    return {key: json.loads(stored[key]) if key in stored else default(key) for key in wanted}


