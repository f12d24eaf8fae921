"""Share links: create with options, list, revoke, resolve a public token, count downloads."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, bindparam, delete, not_, or_, select
from sqlalchemy.orm import joinedload

from .. import crypto
from ..errors import (
    InvalidField,
    PasswordRequired,
    ShareExpired,
    ShareNotFound,
    ShareRevoked,
    ShareUsedUp,
    WrongSharePassword,
)
from ..extensions import db
from ..logs import event
from ..models import Access, File, Share, User
from ..models.columns import utcnow
from . import files, throttle, validation

TOKEN_BYTES = 32  # 256 bits from `secrets`
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_DOWNLOADS_LIMIT = 1_000_000
SHARE_PASSWORD_MIN, SHARE_PASSWORD_MAX = 4, 1024


def _check_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:
        raise InvalidField("Give the expiry with a time zone.", field="expires_at")
    now = utcnow()
    if expires_at <= now:
        raise InvalidField("The expiry must be in the future.", field="expires_at")
    days = current_app.config["SHARE_MAX_DAYS"]
    if expires_at > now + timedelta(days=days):
        raise InvalidField("The expiry can be at most %(days)d days ahead.", field="expires_at",
                           params={"days": days})
    return expires_at


def _check_limit(max_downloads: int | None) -> int | None:
    if max_downloads is not None and not 1 <= max_downloads <= MAX_DOWNLOADS_LIMIT:
        raise InvalidField("Give a download limit from %(min)s to %(max)s.",
                           field="max_downloads", params={"min": 1, "max": MAX_DOWNLOADS_LIMIT})
    return max_downloads


def _check_password(password: str | None) -> str | None:
    if password is not None and len(password) < SHARE_PASSWORD_MIN:
        raise InvalidField("The link password needs at least %(min)d characters.",
                           field="password", params={"min": SHARE_PASSWORD_MIN})
    if password is not None and len(password) > SHARE_PASSWORD_MAX:
        raise InvalidField("The link password can have at most %(max)d characters.",
                           field="password", params={"max": SHARE_PASSWORD_MAX})
    return password


def create(user_id: int, file_id: int, *, expires_at: datetime | None = None,
           max_downloads: int | None = None, password: str | None = None,
           recipient_email: str | None = None) -> Share:
    record = files.get_owned(user_id, file_id)
    # Every option is checked, so one answer names every wrong one.
    checked = validation.check_all({
        "expires_at": lambda: _check_expiry(expires_at),
        "max_downloads": lambda: _check_limit(max_downloads),
        "password": lambda: _check_password(password),
        "recipient_email": lambda: None if recipient_email is None else validation.email(
            recipient_email, field="recipient_email"),
    })
    expires_at, recipient_email = checked["expires_at"], checked["recipient_email"]
    share = Share(
        file_id=record.id, user_id=user_id, token=secrets.token_urlsafe(TOKEN_BYTES),
        expires_at=expires_at, max_downloads=max_downloads, recipient_email=recipient_email,
        password_hash=(crypto.hash_password(password, current_app.config["SCRYPT_N"])
                       if password is not None else None),
    )
    db.session.add(share)
    db.session.commit()
    event("share.created", share_id=share.id, file_id=record.id, user_id=user_id,
          expires=expires_at is not None, max_downloads=max_downloads,
          has_password=password is not None, has_recipient=recipient_email is not None)
    return share


def _active(now: datetime) -> ColumnElement[bool]:
    """`state(share) == "active"` in SQL (each part is true or false, never NULL)."""
    return and_(Share.revoked_at.is_(None),
                or_(Share.expires_at.is_(None), Share.expires_at > now),
                or_(Share.max_downloads.is_(None), Share.download_count < Share.max_downloads))


def list_for(user_id: int, *, ended: bool | None = None, name: str = "") -> list[Share]:
    """My links, newest first; `ended` False or True keeps the active or the ended ones,
    `name` those whose file's name contains it (any case)."""
    query = (select(Share).join(Share.file).where(Share.user_id == user_id)
             .options(joinedload(Share.file)).order_by(Share.id.desc()))
    if ended is not None:
        active = _active(utcnow())
        query = query.where(not_(active) if ended else active)
    name = name.strip()[:255]
    if name:
        # "/" escapes: a backslash means different things to MySQL's and SQLite's literals.
        pattern = name.replace("/", "//").replace("%", "/%").replace("_", "/_")
        query = query.where(File.name.ilike(f"%{pattern}%", escape="/"))
    return list(db.session.scalars(query))


def shared_with(user: User) -> list[Share]:
    """Active shares addressed to the user's email (registered before or after the share)."""
    now = utcnow()
    query = (
        select(Share)
        .where(Share.recipient_email == user.email, Share.revoked_at.is_(None),
               or_(Share.expires_at.is_(None), Share.expires_at > now),
               or_(Share.max_downloads.is_(None), Share.download_count < Share.max_downloads))
        .options(joinedload(Share.file), joinedload(Share.owner))
        .order_by(Share.id.desc())
    )
    return list(db.session.scalars(query))


def get_owned(user_id: int, share_id: int) -> Share:
    share = db.session.get(Share, share_id)
    if share is None or share.user_id != user_id:
        raise ShareNotFound()
    return share


def revoke(user_id: int, share_id: int) -> None:
    share = get_owned(user_id, share_id)
    if share.revoked_at is None:
        share.revoked_at = utcnow()
        db.session.commit()
        event("share.revoked", share_id=share.id, user_id=user_id)


def accesses(user_id: int, share_id: int) -> list[Access]:
    share = get_owned(user_id, share_id)
    query = (select(Access).where(Access.share_id == share.id)
             .options(joinedload(Access.user)).order_by(Access.id.desc()))
    return list(db.session.scalars(query))


def state(share: Share, now: datetime | None = None) -> str:
    now = now or utcnow()
    if share.revoked_at is not None:
        return "revoked"
    if share.expires_at is not None and share.expires_at <= now:
        return "expired"
    if share.max_downloads is not None and share.download_count >= share.max_downloads:
        return "used_up"
    return "active"


GONE = {"revoked": ShareRevoked, "expired": ShareExpired, "used_up": ShareUsedUp}


# Built once: every view of a share page runs it (issue 14).
_BY_TOKEN = (select(Share).where(Share.token == bindparam("token"))
             .options(joinedload(Share.file)))


def resolve(token: str, viewer: User | None = None, *, used_up_ok: bool = False) -> Share:
    """The share behind a public token, if it still grants access to this viewer
    (`used_up_ok`: a used-up link too, for the resumption of its last download)."""
    # The format check keeps odd input (and MySQL's trailing-space padding) away from the query.
    if not TOKEN_RE.fullmatch(token):
        raise ShareNotFound()
    share = db.session.scalar(_BY_TOKEN, {"token": token})
    if share is None or share.token != token:
        raise ShareNotFound()
    # A link addressed to someone does not exist for anyone else.
    addressed = share.recipient_email
    if addressed is not None and (viewer is None or viewer.email != addressed):
        raise ShareNotFound()
    current = state(share)
    if current != "active" and not (used_up_ok and current == "used_up"):
        raise GONE[current]()
    return share


def check_password(share: Share, password: str | None, client: str = "") -> None:
    """Wrong passwords are counted per client and link and per link *before* the hash
    runs, so concurrent guesses cannot get more checks than the limit (429 beyond it)."""
    if share.password_hash is None:
        return
    if not password:
        raise PasswordRequired()
    with throttle.attempt(("share-password", f"{client}|{share.token}"),
                          ("share-password-link", share.token),
                          failures=(WrongSharePassword,)):
        if not crypto.verify_password(password, share.password_hash):
            event("share.password_failed", share_id=share.id)
            raise WrongSharePassword(field="password")


def purge_ended(retention: timedelta) -> int:
    """Delete links that ended (revoked, expired, used up) longer ago than the retention."""
    cutoff = utcnow() - retention
    ended = or_(
        Share.revoked_at < cutoff,
        Share.expires_at < cutoff,
        (Share.max_downloads.is_not(None)) & (Share.download_count >= Share.max_downloads)
        & (Share.last_download_at < cutoff),
    )
    ids = list(db.session.scalars(select(Share.id).where(ended)))
    if ids:
        db.session.execute(delete(Share).where(Share.id.in_(ids))
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)
