"""Accounts and sessions: register, log in and out, change password, delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import security
from ..exceptions import AppError, EmailTaken, InvalidCredentials, NotAuthenticated
from ..extensions import db
from ..logs import event, mask_email
from ..models import Session, User
from ..models.base import utcnow
from . import files, uploads, validation


class SessionNotFound(AppError):
    status, code, message = 404, "session_not_found", "Session not found."


class WrongPassword(AppError):
    status, code, message = 403, "wrong_password", "The current password is wrong."


@dataclass
class LoginResult:
    user: User
    session: Session
    token: str
    expires_in: int


def _cost() -> int:
    return current_app.config["SCRYPT_N"]


def register(name: str, email: str, password: str) -> User:
    user = User(name=validation.name(name), email=validation.email(email),
                password_hash="")
    validation.password(password)
    if db.session.scalar(select(User.id).where(User.email == user.email)) is not None:
        raise EmailTaken(field="email")
    user.password_hash = security.hash_password(password, _cost())
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # two registrations raced for one email
        db.session.rollback()
        raise EmailTaken(field="email") from exc
    event("account.registered", user_id=user.id, email=mask_email(user.email))
    return user


def start_session(user: User, ip: str = "", user_agent: str = "") -> LoginResult:
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    now = utcnow().replace(microsecond=0)
    session = Session(jti=secrets.token_urlsafe(24), user_id=user.id, created_at=now,
                      expires_at=now + timedelta(seconds=ttl), ip=ip[:45],
                      user_agent=validation.clean_text(user_agent)[:255])
    db.session.add(session)
    db.session.commit()
    token = security.issue_token(current_app.config["TOKEN_KEYS"], user.id, session.jti,
                                 now, session.expires_at)
    return LoginResult(user, session, token, ttl)


def login(email: str, password: str, ip: str = "", user_agent: str = "") -> LoginResult:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        security.burn_time(password, _cost())  # same cost as a wrong password
        event("login.failed", email=mask_email(email.strip().lower()), reason="unknown email")
        raise InvalidCredentials()
    if not security.verify_password(password, user.password_hash):
        event("login.failed", email=mask_email(user.email), user_id=user.id,
              reason="wrong password")
        raise InvalidCredentials()
    if security.needs_rehash(user.password_hash, _cost()):
        user.password_hash = security.hash_password(password, _cost())
    result = start_session(user, ip, user_agent)
    event("login.succeeded", user_id=user.id, email=mask_email(user.email))
    return result


def authenticate(token: str) -> tuple[User, Session]:
    """The user and session behind a token, or NotAuthenticated."""
    try:
        claims = security.decode_token(current_app.config["TOKEN_KEYS"], token)
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("Your session is invalid or expired; log in again.") from exc
    session = db.session.get(Session, claims.jti)
    if session is None or session.user_id != claims.user_id or not session.active(utcnow()):
        raise NotAuthenticated("Your session has ended; log in again.")
    return session.user, session


def logout(session: Session) -> None:
    session.revoked_at = utcnow()
    db.session.commit()
    event("logout", user_id=session.user_id)


def sessions_of(user: User) -> list[Session]:
    now = utcnow()
    query = (select(Session)
             .where(Session.user_id == user.id, Session.revoked_at.is_(None),
                    Session.expires_at > now)
             .order_by(Session.created_at.desc()))
    return list(db.session.scalars(query))


def end_session(user: User, public_id: str) -> None:
    for session in sessions_of(user):
        if session.public_id == public_id:
            logout(session)
            return
    raise SessionNotFound()


def logout_everywhere(user: User) -> None:
    revoke_all(user.id)
    db.session.commit()
    event("logout.everywhere", user_id=user.id)


def revoke_all(user_id: int) -> None:
    db.session.execute(
        update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(user: User, current: str, new: str) -> None:
    if not security.verify_password(current, user.password_hash):
        raise WrongPassword(field="current_password")
    validation.password(new, field="new_password")
    user.password_hash = security.hash_password(new, _cost())
    revoke_all(user.id)
    db.session.commit()
    event("password.changed", user_id=user.id)


def delete_account(user: User, password: str) -> None:
    if not security.verify_password(password, user.password_hash):
        raise WrongPassword(field="password")
    keys = files.keys_of(user.id)
    handles = uploads.handles_of(user.id)  # unfinished uploads: rows cascade, bytes do not
    db.session.delete(user)
    db.session.commit()
    files.delete_bytes(keys)
    uploads.abort_all(handles)
    event("account.deleted", user_id=user.id)


def user_at(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def expired_sessions_before(when: datetime) -> int:
    result = db.session.execute(Session.__table__.delete().where(Session.expires_at < when))
    db.session.commit()
    return result.rowcount
