"""Instance settings an admin changes in the pages (Administration → Settings): stored
in `configuracoes`, one JSON value a key, read from the database on every use so that a
change applies at once on every worker and server; a key without a row takes its
default from the environment (config.py, docs/configuration.md).

Each key has a kind that checks and cleans a value (`Known.check`); `update` checks every
change first, then stores them all or none. The logo is two rows: `logo` (its type and
a hash, small: read with the name and colour on every page) and `logo_image` (the bytes,
base64, read only by its URL)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import InvalidField, LogoRefused, UnknownSetting
from ..extensions import db
from ..logs import event
from ..models import Setting, User
from ..models.columns import utcnow
from . import roles
from .validation import check_all

BYTES_MAX = 2**62  # a BIGINT holds it on every database
SITE_NAME_MAX = 60
REGISTRATION = ("open", "invite_only", "closed")
DOWNLOADS_MAX = 1_000_000  # shares.MAX_DOWNLOADS_LIMIT (shares imports this module)
LOGO_MAX = 256 * 1024
# PNG, JPEG and WebP by their first bytes; never SVG (it can carry script).
LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
_COLOR_RE = re.compile(r"#[0-9a-f]{6}")
_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_EXTENSION_RE = re.compile(r"[a-z0-9_+~-]{1,32}")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}

Check = Callable[[str, Any], Any]


def _problem(key: str, message: str, **params: Any) -> InvalidField:
    return InvalidField(message, field=key, params=params or None)


def _text(key: str, given: Any) -> str:
    if not isinstance(given, str):
        raise _problem(key, "Give a text.")
    cleaned = unicodedata.normalize("NFC", given).strip()
    if any(unicodedata.category(ch) in _CONTROL for ch in cleaned) or not \
            1 <= len(cleaned) <= SITE_NAME_MAX:
        raise _problem(key, "A name of %(min)d to %(max)d characters, without control "
                       "characters.", min=1, max=SITE_NAME_MAX)
    return cleaned


def _color(key: str, given: Any) -> str:
    if not isinstance(given, str) or not _COLOR_RE.fullmatch(given.strip().lower()):
        raise _problem(key, "A colour is written #rrggbb, e.g. #4f46e5.")
    return given.strip().lower()


def _boolean(key: str, given: Any) -> bool:
    if not isinstance(given, bool):
        raise _problem(key, "Give true or false.")
    return given


def _whole(low: int, high: int, *, nullable: bool = False) -> Check:
    def check(key: str, given: Any) -> int | None:
        if given is None and nullable:
            return None
        if isinstance(given, float) and given.is_integer():
            given = int(given)
        if isinstance(given, bool) or not isinstance(given, int) or not low <= given <= high:
            raise _problem(key, "A whole number from %(min)s to %(max)s.", min=low, max=high)
        return given

    return check


def _choice(options: tuple[str, ...]) -> Check:
    def check(key: str, given: Any) -> str:
        if given not in options:
            raise _problem(key, "One of: %(options)s.", options=", ".join(options))
        return str(given)

    return check


def _listed(given: Any) -> list[str] | None:
    if isinstance(given, str):
        given = given.replace(";", ",").replace("\n", ",").split(",")
    if not isinstance(given, list | tuple) or not all(isinstance(x, str) for x in given):
        return None
    found: list[str] = []
    for item in (x.strip().lower() for x in given):
        if item and item not in found:
            found.append(item)
    return found


def _domains(key: str, given: Any) -> list[str]:
    found = _listed(given)
    if found is None or any(len(d) > 253 or d.count(".") < 1 or not all(
            _LABEL_RE.fullmatch(label) for label in d.split(".")) for d in found):
        raise _problem(key, "Email domains, such as example.com, separated by commas.")
    return found


def _extensions(key: str, given: Any) -> list[str]:
    found = _listed(given)
    found = None if found is None else [x.lstrip(".") for x in found]
    if found is None or not all(_EXTENSION_RE.fullmatch(x) for x in found):
        raise _problem(key, "Extensions without the dot, such as exe, separated by commas.")
    return found


def _logo(key: str, given: Any) -> None:
    if given is not None:
        raise _problem(key, "Upload a logo with its own form (or PUT "
                       "/api/v1/admin/settings/logo); null removes it.")
    return None


@dataclass(frozen=True)
class Known:
    """A setting: the config variable its default comes from (None: no default), and the
    check that cleans a new value or raises InvalidField."""

    config: str | None
    check: Check


KNOWN: dict[str, Known] = {
    "site_name": Known("SITE_NAME", _text),
    "accent_color": Known("ACCENT_COLOR", _color),
    "logo": Known(None, _logo),
    "max_upload_bytes": Known("MAX_UPLOAD_BYTES", _whole(1, BYTES_MAX)),
    "registration": Known("REGISTRATION", _choice(REGISTRATION)),
    "registration_domains": Known("REGISTRATION_DOMAINS", _domains),
    "users_may_invite": Known("USERS_MAY_INVITE", _boolean),
    "invitation_days": Known("INVITATION_DAYS", _whole(1, 365)),
    "default_share_days": Known("DEFAULT_SHARE_DAYS", _whole(1, 3650, nullable=True)),
    "share_max_days": Known("SHARE_MAX_DAYS", _whole(1, 3650)),
    "default_max_downloads": Known("DEFAULT_MAX_DOWNLOADS",
                                   _whole(1, DOWNLOADS_MAX, nullable=True)),
    "blocked_extensions": Known("UPLOADED_FILES_DENY", _extensions),
    "users_may_create_upload_links": Known("USERS_MAY_CREATE_UPLOAD_LINKS", _boolean),
    "users_may_create_public_links": Known("USERS_MAY_CREATE_PUBLIC_LINKS", _boolean),
    "default_quota_bytes": Known("DEFAULT_QUOTA_BYTES", _whole(0, BYTES_MAX, nullable=True)),
    "default_quota_files": Known("DEFAULT_QUOTA_FILES", _whole(0, BYTES_MAX, nullable=True)),
    "audit_retention_days": Known("AUDIT_RETENTION_DAYS", _whole(0, 36500)),
    "require_two_step": Known("REQUIRE_TWO_STEP", _boolean),
}
LOGO_IMAGE = "logo_image"  # the logo's bytes: a row of its own, not a setting of the API


def default(key: str) -> Any:
    config = KNOWN[key].config
    if config is None:
        return None
    found = current_app.config[config]
    return list(found) if isinstance(found, tuple) else found


def value(key: str) -> Any:
    """The setting's value now: the admin's, else the environment's default."""
    stored = db.session.scalar(select(Setting.value).where(Setting.key == key))
    return default(key) if stored is None else json.loads(stored)


def values(keys: list[str] | None = None) -> dict[str, Any]:
    """Several settings (all known ones when `keys` is None), read in one query at most
    once per request (hot paths ask several times: the body limit, the parser, the
    service, then the page); outside a request, read each time."""
    wanted = list(KNOWN) if keys is None else keys
    memo: dict[str, Any] = g.setdefault("settings_read", {}) if has_request_context() else {}
    missing = [key for key in wanted if key not in memo]
    if missing:
        stored = dict(db.session.execute(
            select(Setting.key, Setting.value).where(Setting.key.in_(missing))).all())
        memo.update({key: json.loads(stored[key]) if key in stored else default(key)
                     for key in missing})
    return {key: memo[key] for key in wanted}


def remember(key: str, stored_value: str | None) -> None:
    """Seed this request's memo with a row read along with something else (the session
    lookup reads `require_two_step`); None: no row, the environment's default."""
    if has_request_context():
        g.setdefault("settings_read", {})[key] = (
            default(key) if stored_value is None else json.loads(stored_value))


def current(key: str) -> Any:
    """One setting, read as `values` reads them (once per request)."""
    return values([key])[key]


def stored(key: str) -> bool:
    """Whether an admin has set the key (else it is the environment's)."""
    return db.session.scalar(select(Setting.key).where(Setting.key == key)) is not None


def check(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes cleaned, or one error naming every wrong key."""
    unknown = sorted(set(changes) - set(KNOWN))
    if unknown:
        raise UnknownSetting(f"There is no setting {', '.join(unknown)}.", field=unknown[0])
    checked = check_all({key: partial(KNOWN[key].check, key, changes[key]) for key in changes})
    merged = values(["default_share_days", "share_max_days"]) | checked
    days, most = merged["default_share_days"], merged["share_max_days"]
    if days is not None and days > most:
        raise _problem("default_share_days", "At most the longest expiry, %(max)d days.",
                       max=most)
    return checked


def _put(key: str, given: Any) -> None:
    row = db.session.get(Setting, key)
    if given is None and key == "logo":  # no logo: the default mark
        if row is not None:
            db.session.delete(row)
        return
    text = json.dumps(given)
    if row is None:
        db.session.add(Setting(key=key, value=text, updated_at=utcnow()))
    else:
        row.value, row.updated_at = text, utcnow()


def update(actor: User, changes: dict[str, Any]) -> dict[str, Any]:
    """Check every change (unknown key → 422 `unknown_setting`; a bad value → 422 naming
    each wrong field; nothing stored then), store them, and answer every key's value."""
    roles.require_admin(actor)
    checked = check(changes)
    for attempt in range(2):
        for key, given in checked.items():
            _put(key, given)
        if "logo" in checked:
            db.session.execute(delete(Setting).where(Setting.key == LOGO_IMAGE))
        try:
            db.session.commit()
            break
        except IntegrityError:
            # Another admin stored one of these keys first (two INSERTs of a new key):
            # once more, now as UPDATEs; the later save wins, as it would have anyway.
            db.session.rollback()
            if attempt:
                raise
    g.pop("settings_read", None)
    event("settings.changed", user_id=actor.id, keys=sorted(checked))
    return values()


def logo_type(data: bytes) -> str | None:
    """The image's type by its first bytes: PNG, JPEG or WebP; None for anything else."""
    for magic, kind in LOGO_TYPES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_check(data: bytes) -> str:
    """The logo's type, if it is one we take (422 `logo_refused` otherwise)."""
    kind = logo_type(data)
    if kind is None or not 0 < len(data) <= LOGO_MAX:
        raise LogoRefused(field="logo")
    return kind


def set_logo(actor: User, data: bytes) -> dict[str, Any]:
    """Store an uploaded logo (PNG, JPEG or WebP by its bytes, at most LOGO_MAX)."""
    roles.require_admin(actor)
    kind = logo_check(data)
    etag = hashlib.sha256(data).hexdigest()[:32]
    _put("logo", {"type": kind, "etag": etag, "bytes": len(data)})
    _put(LOGO_IMAGE, base64.b64encode(data).decode())
    db.session.commit()
    g.pop("settings_read", None)
    event("settings.changed", user_id=actor.id, keys=["logo"])
    return values()


def logo() -> tuple[bytes, str, str] | None:
    """The logo's bytes, type and ETag; None without one."""
    rows = dict(db.session.execute(select(Setting.key, Setting.value).where(
        Setting.key.in_(["logo", LOGO_IMAGE]))).all())
    if "logo" not in rows or LOGO_IMAGE not in rows:
        return None
    meta = json.loads(rows["logo"])
    return base64.b64decode(json.loads(rows[LOGO_IMAGE])), meta["type"], meta["etag"]
