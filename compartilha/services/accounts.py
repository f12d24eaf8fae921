"""Accounts and sessions: register, log in and out, change password, delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import crypto
from ..errors import (
    AccountDisabled,
    AppError,
    EmailTaken,
    InvalidCredentials,
    InvitationInvalid,
    NotAuthenticated,
    PasswordNeeded,
    SecondStepExpired,
    SessionNotFound,
    WrongPassword,
)
from ..extensions import db, rowcount
from ..logs import event, mask_email
from ..models import File, Invitation, Session, Setting, User
from ..models.columns import utcnow
from . import (
    api_tokens,
    challenges,
    files,
    invitations,
    mail,
    password_login,
    registration,
    roles,
    settings,
    throttle,
    tus,
    two_step,
    validation,
    verification,
)

MFA_PURPOSE, MFA_SECONDS = "mfa", 300


@dataclass
class LoginResult:
    user: User
    session: Session
    token: str
    expires_in: int


@dataclass(frozen=True)
class SecondStep:
    """A right password on an account with two-step sign-in: no session yet, but a token
    (`mfa_token`, single use, 5 minutes) to finish with a code or a passkey."""

    user: User
    mfa_token: str
    methods: list[str]


def _cost() -> int:
    return current_app.config["SCRYPT_N"]


def _claim_email(user: User, email: str) -> None:
    """Give `user` the canonical address, unless an account has it or one like it."""
    canonical = validation.email(email)
    skeleton = validation.skeleton(canonical)
    taken = select(User.id).where(or_(User.email == canonical, User.email_skeleton == skeleton),
                                  User.id != (user.id or 0))
    if db.session.scalar(taken) is not None:
        raise EmailTaken(field="email")
    user.email, user.email_skeleton = canonical, skeleton


def _commit_claim() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # two requests raced for one address (or look-alikes)
        db.session.rollback()
        raise EmailTaken(field="email") from exc


def _commit_new(user: User, invitation: Invitation | None) -> None:
    """Add the account and use up its invitation in one transaction: a taken address
    leaves the invitation pending, a used one leaves no account."""
    db.session.add(user)
    try:
        db.session.flush()
        if invitation is not None:
            invitations.consume(invitation, user.id)
        db.session.commit()
    except IntegrityError as exc:  # two requests raced for one address (or look-alikes)
        db.session.rollback()
        raise EmailTaken(field="email") from exc
    except InvitationInvalid:
        db.session.rollback()
        raise


def register(name: str, email: str, password: str, language: str = "pt_BR",
             admin: bool = False, invitation: Invitation | None = None) -> User:
    """Create an account (the operator's `flask create-user`, an admin with `admin`;
    sign-up goes through `sign_up`, which does not say whether an address is taken, and
    passes the `invitation` it was admitted with)."""
    values = validation.check_all({"name": lambda: validation.name(name),
                                   "email": lambda: validation.email(email),
                                   "password": lambda: validation.password(password)})
    language = language if language in mail.LANGUAGES else mail.DEFAULT_LANGUAGE
    user = User(name=values["name"], password_hash="", language=language,
                role=roles.ADMIN if admin else roles.first_role())
    _claim_email(user, email)
    user.password_hash = crypto.hash_password(password, _cost())
    _commit_new(user, invitation)
    event("account.registered", user_id=user.id, email=mask_email(user.email), role=user.role)
    if invitation is not None:
        event("invitation.used", user_id=user.id, invitation_id=invitation.id)
    return user


@dataclass(frozen=True)
class Registration:
    """What a sign-up answers: the same whether the address was free or taken."""

    name: str
    email: str


def sign_up(name: str, email: str, password: str, language: str,
            invitation: str | None = None) -> Registration:
    """Create an account and mail it a verification link; for an address that has an
    account, create nothing and mail its owner instead. Both cost one password hash and
    answer alike, so sign-up tells nobody which addresses have accounts. Who may sign up
    (and with which `invitation` token) is `registration.admit`'s to say (403); with
    PASSWORD_LOGIN off nobody signs up by password (403)."""
    password_login.require()
    values = validation.check_all({"name": lambda: validation.name(name),
                                   "email": lambda: validation.email(email),
                                   "password": lambda: validation.password(password)})
    admitted = registration.admit(values["email"], invitation)
    try:
        user = register(name, email, password, language, invitation=admitted)
    except InvitationInvalid:  # another sign-up used it first
        event("signup.refused", reason=InvitationInvalid.code, email=mask_email(values["email"]))
        raise
    except EmailTaken:
        crypto.burn_time(password, _cost())
        owner = user_at(values["email"]) or _look_alike(values["email"])
        if owner is not None:
            mail.send(owner.email, "account_exists", lang=owner.language,
                      context={"name": owner.name, "url": mail.link("/forgot")})
            event("account.signup_taken", user_id=owner.id, email=mask_email(owner.email))
    else:
        verification.send_verification(user)
    return Registration(values["name"], values["email"])


def _look_alike(canonical: str) -> User | None:
    skeleton = validation.skeleton(canonical)
    return db.session.scalar(select(User).where(User.email_skeleton == skeleton))


def set_email(user_id: int, email: str) -> User:
    """Change an account's address (the operator's `flask set-email`)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise AppError(f"No account {user_id}.")
    _claim_email(user, email)
    _commit_claim()
    event("account.email_changed", user_id=user.id, email=mask_email(user.email))
    return user


def update_profile(user: User, name: str | None = None, email: str | None = None,
                   password: str | None = None) -> User:
    """Change the account's name, its address, or both (`PATCH /me`); either is optional.
    A new address needs the account's password (403 when wrong), is unverified until its
    mailed link is opened, and the old address is told. An address already held by an
    account, or one that looks like it, is refused (409)."""
    if name is not None:
        user.name = validation.name(name)
    old = user.email
    changing = email is not None and validation.email(email) != user.email
    if changing:
        if not password:
            raise PasswordNeeded(field="password")
        check_password(user, password, "password")
        _claim_email(user, email or "")
        user.verified_at = None
    _commit_claim()
    if changing:
        event("account.email_changed", user_id=user.id, email=mask_email(user.email))
        mail.send(old, "email_changed", lang=user.language,
                  context={"name": user.name, "new_email": user.email})
        verification.send_verification(user)
    return user


def start_session(user: User, ip: str = "", user_agent: str = "",
                  method: str = "password") -> LoginResult:
    """A new session for `user`, signed in by `method` (see Session.method)."""
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    now = utcnow().replace(microsecond=0)
    session = Session(jti=secrets.token_urlsafe(24), user_id=user.id, created_at=now,
                      expires_at=now + timedelta(seconds=ttl), ip=ip[:45],
                      user_agent=validation.clean_text(user_agent)[:255], method=method)
    db.session.add(session)
    db.session.commit()
    token = crypto.issue_token(current_app.config["TOKEN_KEYS"], user.id, session.jti,
                                 now, session.expires_at)
    return LoginResult(user, session, token, ttl)


def _check_credentials(account: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == account))
    if user is None:
        crypto.burn_time(password, _cost())  # same cost as a wrong password
        event("login.failed", email=mask_email(account), reason="unknown email")
        raise InvalidCredentials()
    if not crypto.has_password(user.password_hash):  # made by single sign-on: none matches,
        crypto.burn_time(password, _cost())  # at the cost of a wrong one
    if not crypto.verify_password(password, user.password_hash):
        event("login.failed", email=mask_email(user.email), user_id=user.id,
              reason="wrong password")
        raise InvalidCredentials()
    if user.disabled_at is not None:
        event("login.refused", user_id=user.id, reason="account disabled")
        raise AccountDisabled()
    return user


def login(email: str, password: str, ip: str = "",
          user_agent: str = "") -> LoginResult | SecondStep:
    """A session for the right password, or the second step it needs (two-step sign-in
    on); 401 otherwise, 429 when throttle.login says so (the attempt is counted before
    the hash runs); 403 when PASSWORD_LOGIN is off."""
    password_login.require()
    account = validation.email_key(email)
    with throttle.login(account, ip):
        user = _check_credentials(account, password)
    if crypto.needs_rehash(user.password_hash, _cost()):
        user.password_hash = crypto.hash_password(password, _cost())
    if two_step.needed(user):
        token = challenges.issue(MFA_PURPOSE, MFA_SECONDS, user.id)
        event("login.second_step", user_id=user.id, email=mask_email(user.email))
        return SecondStep(user, token, two_step.methods(user))
    return _signed_in(user, ip, user_agent, "password")


def _signed_in(user: User, ip: str, user_agent: str, via: str) -> LoginResult:
    user.last_login_at = utcnow()
    result = start_session(user, ip, user_agent, method=via)
    event("login.succeeded", user_id=user.id, email=mask_email(user.email), via=via)
    return result


def pending_sign_in(mfa_token: str) -> User:
    """The account a second step is for (401 `mfa_token_invalid` if none, 403 when it
    has been disabled since), without using the token up."""
    step = challenges.peek(MFA_PURPOSE, mfa_token)
    user = None if step is None or step.user_id is None else db.session.get(User, step.user_id)
    if user is None:
        raise SecondStepExpired()
    if user.disabled_at is not None:
        event("login.refused", user_id=user.id, reason="account disabled")
        raise AccountDisabled()
    return user


def login_with_code(mfa_token: str, code: str, ip: str = "",
                    user_agent: str = "") -> LoginResult:
    """Finish a sign-in with a code from the app or a recovery code. A wrong code leaves
    the token usable (the per-account throttle stops guessing); a right one uses it up,
    once, even against a concurrent request."""
    user = pending_sign_in(mfa_token)
    two_step.check(user, code)
    if challenges.take(MFA_PURPOSE, mfa_token) is None:
        raise SecondStepExpired()
    return _signed_in(user, ip, user_agent, "password+totp")


def disable_two_step(user: User, password: str, code: str) -> None:
    """Turn two-step sign-in off: the password (throttled) and a code, both."""
    check_password(user, password, "password")
    two_step.disable(user, code)


# Every authenticated request: one round trip for the session and its user, a statement
# built once (issue 14: two ORM loads and a statement per request were ~0.3 ms).
# The `require_two_step` setting rides along (issue 19), so checking it costs nothing more.
_REQUIRED = (select(Setting.value).where(Setting.key == "require_two_step")
             .scalar_subquery())
_SESSION_AND_USER = (select(User, Session, _REQUIRED)
                     .join(Session, Session.user_id == User.id)
                     .where(Session.jti == bindparam("jti")))


def authenticate(token: str) -> tuple[User, Session]:
    """The user and session behind a token, or NotAuthenticated."""
    try:
        claims = crypto.decode_token(current_app.config["TOKEN_KEYS"], token)
    except crypto.InvalidTokenError as exc:
        raise NotAuthenticated("Your session is invalid or expired; log in again.") from exc
    found = db.session.execute(_SESSION_AND_USER, {"jti": claims.jti}).one_or_none()
    if found is None:
        raise NotAuthenticated("Your session has ended; log in again.")
    user, session, required = found
    settings.remember("require_two_step", required)
    if session.user_id != claims.user_id or not session.active(utcnow()):
        raise NotAuthenticated("Your session has ended; log in again.")
    if user.disabled_at is not None:  # its sessions were revoked too: this is belt and braces
        raise NotAuthenticated("This account is disabled.")
    return user, session


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
    """End one of the user's sessions from the sessions list: the API tokens created from
    it are revoked too (a plain `logout` of a session keeps them)."""
    for session in sessions_of(user):
        if session.public_id == public_id:
            api_tokens.revoke_from_sessions([session.jti])
            logout(session)
            return
    raise SessionNotFound()


def logout_everywhere(user: User) -> None:
    revoke_all(user.id)
    db.session.commit()
    event("logout.everywhere", user_id=user.id)


def logout_others(user: User, keep: Session) -> int:
    """End every session of the user but `keep` (the account page's "sign out everywhere
    else"); how many ended."""
    ended = revoke_all(user.id, but=keep.jti)
    db.session.commit()
    event("logout.others", user_id=user.id, sessions=ended)
    return ended


def revoke_all(user_id: int, but: str | None = None) -> int:
    """End every live session of the account (but one), and revoke the API tokens that
    were created from them; the caller commits. How many sessions ended."""
    api_tokens.revoke_from_sessions(api_tokens.live_session_jtis(user_id, but))
    query = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if but is not None:
        query = query.where(Session.jti != but)
    return rowcount(db.session.execute(query.values(revoked_at=utcnow())))


def check_password(user: User, password: str, field: str) -> None:
    """The account's password again, before a change that needs it; counted per account
    before the hash runs, so a stolen session cannot guess on (or burn CPU) unthrottled."""
    with throttle.attempt(("password-check", str(user.id)), failures=(WrongPassword,)):
        if not crypto.verify_password(password, user.password_hash):
            event("password.check_failed", user_id=user.id)
            raise WrongPassword(field=field)


def change_password(user: User, current: str, new: str) -> None:
    check_password(user, current, "current_password")
    validation.password(new, field="new_password")
    user.password_hash = crypto.hash_password(new, _cost())
    revoke_all(user.id)
    db.session.commit()
    event("password.changed", user_id=user.id)


def delete_account(user: User, password: str) -> None:
    check_password(user, password, "password")
    roles.lock_admins()
    roles.keep_an_admin(user, alone_ok=True)
    remove(user)


def remove(user: User) -> None:
    """Delete the account with everything it owns (rows cascade, then the bytes go); the
    caller has checked that an enabled admin remains."""
    keys = files.keys_of(user.id)
    handles = tus.handles_of(user.id)  # unfinished uploads: rows cascade, bytes do not
    db.session.delete(user)
    db.session.commit()
    files.delete_bytes(keys)
    tus.abort_all(handles)
    event("account.deleted", user_id=user.id)


def user_at(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == validation.email_key(email)))


def expired_sessions_before(when: datetime) -> int:
    result = db.session.execute(delete(Session).where(Session.expires_at < when)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return rowcount(result)


def usage(user_id: int) -> tuple[int, int]:
    """How many files the account holds and their bytes."""
    count, used = db.session.execute(
        select(func.count(File.id), func.coalesce(func.sum(File.size), 0))
        .where(File.user_id == user_id)).one()
    return int(count), int(used)
