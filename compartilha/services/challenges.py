"""Short-lived, single-use steps of a sign-in: the second-step token handed out after a
right password, a WebAuthn challenge, an OpenID Connect state.

`issue` gives the client a random token and stores only its SHA-256 with the step's
data; `take` deletes the row and returns it in one statement's worth of work, so a token
is used once even when two requests race with it (the loser finds no row). Expired rows
are refused, and deleted by the hourly housekeeping (`purge`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from ..extensions import db, rowcount
from ..models import Challenge
from ..models.columns import utcnow


@dataclass(frozen=True)
class Taken:
    user_id: int | None
    data: dict[str, Any]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, seconds: int, user_id: int | None = None,
          data: dict[str, Any] | None = None, commit: bool = True) -> str:
    """A new token for one `purpose` step, valid for `seconds`; the caller hands it out."""
    token = secrets.token_urlsafe(32)
    now = utcnow().replace(microsecond=0)
    db.session.add(Challenge(token_hash=_hash(token), purpose=purpose, user_id=user_id,
                             data=json.dumps(data or {}), created_at=now,
                             expires_at=now + timedelta(seconds=seconds)))
    if commit:
        db.session.commit()
    return token


def peek(purpose: str, token: str) -> Taken | None:
    """The step's data without using it up (None: unknown, another purpose or expired)."""
    if not token or len(token) > 128:
        return None
    row = db.session.get(Challenge, _hash(token))
    if row is None or row.purpose != purpose or row.expires_at <= utcnow():
        return None
    return Taken(row.user_id, json.loads(row.data))


def take(purpose: str, token: str) -> Taken | None:
    """Use the token up: its data, or None when it is unknown, of another purpose, expired
    or already taken (by this request or a concurrent one). Commits the deletion."""
    if not token or len(token) > 128:
        return None
    key = _hash(token)
    row = db.session.execute(select(Challenge.purpose, Challenge.user_id, Challenge.data,
                                    Challenge.expires_at)
                             .where(Challenge.token_hash == key)).one_or_none()
    if row is None or row.purpose != purpose:
        return None
    won = rowcount(db.session.execute(delete(Challenge).where(Challenge.token_hash == key)
                                      .execution_options(synchronize_session=False)))
    db.session.commit()
    if won != 1 or row.expires_at <= utcnow():
        return None
    return Taken(row.user_id, json.loads(row.data))


def forget_user(user_id: int, purpose: str | None = None) -> int:
    """Drop a user's pending steps (of one purpose, or all): e.g. when a password reset
    or a disabled account must end a sign-in half done. The caller commits."""
    query = delete(Challenge).where(Challenge.user_id == user_id)
    if purpose is not None:
        query = query.where(Challenge.purpose == purpose)
    return rowcount(db.session.execute(query.execution_options(synchronize_session=False)))


def purge() -> int:
    """Delete expired steps (the hourly housekeeping)."""
    result = db.session.execute(delete(Challenge).where(Challenge.expires_at <= utcnow())
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return rowcount(result)
