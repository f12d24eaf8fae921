"""Personal API tokens: a long-lived `Authorization: Bearer cmp_…` for scripts and tools
(curl, ShareX), limited to the scopes its owner picked.

The secret is `cmp_` and 43 base64url characters (32 random bytes, 256 bits), matched by
`FORMAT` (for secret scanners). Only its SHA-256 is stored, with a `hint` (the
prefix and the first characters) to tell tokens apart; it is shown once, when created.
A token ends when its owner revokes it, when it expires, when its account is disabled or
its password reset (every token), and when the session it was created from is ended from
elsewhere (the sessions list, "sign out everywhere", a password change); a plain sign-out
of that session, or its expiry, keeps it (docs/identity.md).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from ..errors import ApiTokenNotFound, InvalidField, NotAuthenticated
from ..extensions import db
from ..logs import event
from ..models import ApiToken, Session, User
from ..models.columns import utcnow
from . import throttle, validation

PREFIX = "cmp_"
SECRET_BYTES = 32  # 43 base64url characters
# For secret scanners: the whole token, nothing around it.
FORMAT = r"cmp_[A-Za-z0-9_-]{43}"
_FORMAT_RE = re.compile(FORMAT)
HINT_CHARS = 6  # after the prefix: "cmp_Ab3dE_…"
NAME_MAX = 100
# What a token may do; a route's scope is in compartilha/http/scopes.py.
SCOPES = ("files:read", "files:write", "shares:read", "shares:write", "requests:read",
          "requests:write", "account:read")
# The page's expiry choices (days); the API takes any future `expires_at`, or none.
EXPIRY_DAYS = (30, 90, 365)
# last_used_at / last_used_ip are written at most this often (no write per request).
TOUCH_SECONDS = 60
# Failed token authentications, counted per client address.
MISS_RULE = "token-miss"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def looks_like_token(value: str) -> bool:
    """A personal API token rather than a session's JWT."""
    return value.startswith(PREFIX)


def _name(value: str) -> str:
    value = " ".join(validation.clean_text(value or "").split())
    if not value or len(value) > NAME_MAX:
        raise InvalidField("Enter a name of 1 to 100 characters.", field="name")
    return value


def _scopes(values: Iterable[str]) -> list[str]:
    chosen = set(values or ())
    if not chosen or not chosen <= set(SCOPES):
        raise InvalidField("Choose at least one of the scopes offered.", field="scopes")
    return [scope for scope in SCOPES if scope in chosen]


def _expiry(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value <= utcnow() or value.year > 9998:
        raise InvalidField("Choose an expiry date in the future.", field="expires_at")
    return value.replace(microsecond=0)


def expiry_in(days: int | None) -> datetime | None:
    """The page's choice: so many days from now, or never."""
    return None if not days else utcnow().replace(microsecond=0) + timedelta(days=days)


def create(user: User, name: str, scopes: Iterable[str], expires_at: datetime | None = None,
           session_jti: str | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret, which the caller shows once and forgets."""
    values = validation.check_all({"name": lambda: _name(name),
                                   "scopes": lambda: _scopes(scopes),
                                   "expires_at": lambda: _expiry(expires_at)})
    secret = new_secret()
    token = ApiToken(user_id=user.id, name=values["name"], hint=secret[:len(PREFIX) + HINT_CHARS],
                     token_hash=hash_secret(secret), scopes=" ".join(values["scopes"]),
                     session_jti=session_jti, created_at=utcnow().replace(microsecond=0),
                     expires_at=values["expires_at"])
    db.session.add(token)
    db.session.commit()
    event("token.created", user_id=user.id, token_id=token.id, label=token.name,
          scopes=token.scopes, expires_at=token.expires_at.isoformat()
          if token.expires_at else None)
    return token, secret


def scopes_of(token: ApiToken) -> list[str]:
    return token.scopes.split()


def list_for(user_id: int) -> list[ApiToken]:
    """The account's tokens that were not revoked (expired ones too), newest first."""
    query = (select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
             .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return list(db.session.scalars(query))


def revoke(user_id: int, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id or token.revoked_at is not None:
        raise ApiTokenNotFound()
    token.revoked_at = utcnow()
    db.session.commit()
    event("token.revoked", user_id=user_id, token_id=token.id, reason="revoked")


def _revoke_where(reason: str, *conditions: ColumnElement[bool]) -> int:
    """Revoke the live tokens matching `conditions` (the caller commits); one audit event
    per token."""
    found = db.session.execute(select(ApiToken.id, ApiToken.user_id).where(
        ApiToken.revoked_at.is_(None), *conditions)).all()
    if not found:
        return 0
    db.session.execute(update(ApiToken).where(ApiToken.id.in_([row.id for row in found]))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    for row in found:
        event("token.revoked", user_id=row.user_id, token_id=row.id, reason=reason)
    return len(found)


def revoke_all(user_id: int, reason: str = "revoked_all", commit: bool = True) -> int:
    """Every token of the account (`DELETE /me/tokens`, a disabled account, a password
    reset); how many."""
    ended = _revoke_where(reason, ApiToken.user_id == user_id)
    if commit:
        db.session.commit()
    return ended


def revoke_from_sessions(jtis: Iterable[str], reason: str = "session_ended") -> int:
    """The tokens created from these sessions, which are being ended from elsewhere
    (the caller commits)."""
    jtis = list(jtis)
    if not jtis:
        return 0
    return _revoke_where(reason, ApiToken.session_jti.in_(jtis))


def live_session_jtis(user_id: int, but: str | None = None) -> list[str]:
    """The account's sessions that have neither ended nor expired (but one)."""
    query = select(Session.jti).where(Session.user_id == user_id, Session.revoked_at.is_(None),
                                      Session.expires_at > utcnow())
    if but is not None:
        query = query.where(Session.jti != but)
    return list(db.session.scalars(query))


_TOKEN_AND_USER = select(ApiToken, User).join(User, User.id == ApiToken.user_id)


def authenticate(secret: str, ip: str = "") -> tuple[User, ApiToken]:
    """The user and token behind a secret; 401 when it is malformed, unknown, revoked or
    expired, or its account disabled. Failures count per client address (429 once
    RATELIMIT_TOKEN_MISS is used up: a known token too, so guessing learns nothing)."""
    subject = ip or "unknown"
    throttle.check(MISS_RULE, subject)
    found = None
    if _FORMAT_RE.fullmatch(secret):
        found = db.session.execute(_TOKEN_AND_USER.where(
            ApiToken.token_hash == hash_secret(secret))).one_or_none()
    now = utcnow()
    if found is None or not found[0].active(now):
        throttle.take(MISS_RULE, subject)
        reason = "unknown" if found is None else (
            "revoked" if found[0].revoked_at is not None else "expired")
        event("token.refused", reason=reason)
        raise NotAuthenticated("This API token is invalid, revoked or expired.")
    token, user = found
    if user.disabled_at is not None:  # its tokens were revoked too: belt and braces
        raise NotAuthenticated("This account is disabled.")
    _touch(token, now, ip)
    return user, token


def _touch(token: ApiToken, now: datetime, ip: str) -> None:
    """Remember the last use, at most once a TOUCH_SECONDS (one guarded UPDATE, so
    concurrent requests write it once)."""
    if token.last_used_at is not None and now - token.last_used_at < timedelta(
            seconds=TOUCH_SECONDS):
        return
    before = now - timedelta(seconds=TOUCH_SECONDS)
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id, or_(
            ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= before))
        .values(last_used_at=now.replace(microsecond=0), last_used_ip=ip[:45] or None)
        .execution_options(synchronize_session=False))
    # At once, matched or not (a concurrent request may have written it): the request's
    # session holds no write (on SQLite, no lock) when its own work begins.
    db.session.commit()
