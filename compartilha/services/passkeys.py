"""Passkeys (WebAuthn, with py_webauthn): register several per account, name and remove
them, sign in with one, alone or as the second step after a password.

A ceremony's challenge is a single-use step of `services.challenges` (purpose
"webauthn", 300 s) holding the challenge bytes: the client gets a token naming it, and
using the token deletes it, so an answer is verified at most once. The relying party (its
id and the origin the browser must report) is the caller's to give: the HTTP layer reads
it from PUBLIC_URL, else from the request (`http.relying_party`).

A passkey alone signs in only when the authenticator verified its holder (PIN,
biometrics): something held and something known or been, two factors. One that only
proved presence may still be the second step after a password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import func, select, true, update
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from ..errors import (
    AccountDisabled,
    ChallengeInvalid,
    InvalidCredentials,
    PasskeyExists,
    PasskeyNotFound,
    PasskeyRejected,
    SecondStepExpired,
    TooManyPasskeys,
    UserVerificationRequired,
)
from ..extensions import db, rowcount
from ..logs import event, mask_email
from ..models import Passkey, User
from ..models.columns import utcnow
from . import accounts, challenges, settings, throttle, validation

PURPOSE, SECONDS = "webauthn", 300
MFA_PURPOSE = "mfa"  # the second-step token a right password hands out (two-step sign-in)
NAME_MAX, MAX_PER_ACCOUNT = 100, 25
# What a bad answer to a sign-in may raise from py_webauthn or its parsing of the JSON.
_BAD_ANSWER: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError, AttributeError)


def _bad_answer() -> tuple[type[Exception], ...]:
    """What a malformed or unverifiable answer raises (py_webauthn is imported on first
    use: an app that never sees a passkey does not load it, tests/test_startup.py)."""
    from webauthn.helpers.exceptions import WebAuthnException
    return (WebAuthnException, *_BAD_ANSWER)


@dataclass(frozen=True)
class RelyingParty:
    id: str  # a domain: PUBLIC_URL's host, else the request's host without its port
    origin: str  # scheme://host[:port] the browser reports in clientDataJSON


@dataclass(frozen=True)
class Ceremony:
    """Options for the browser (the JSON `PublicKeyCredential.parse*OptionsFromJSON`
    takes) and the token that names their challenge."""

    options: dict[str, Any]
    challenge: str


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _user_handle(user: User) -> bytes:
    """A stable, opaque WebAuthn user id (no email or row id on the authenticator)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"passkey-user:{user.id}".encode(), hashlib.sha256).digest()


def _descriptors(user_id: int) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers.structs import (
        AuthenticatorTransport,
        PublicKeyCredentialDescriptor,
    )
    known = {t.value for t in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(
        id=_b64(key.credential_id),
        transports=[AuthenticatorTransport(t) for t in key.transports.split() if t in known])
        for key in listed(user_id)]


def _ceremony(options: Any, kind: str, user_id: int | None) -> Ceremony:
    from webauthn.helpers import bytes_to_base64url, options_to_json
    token = challenges.issue(PURPOSE, SECONDS, user_id,
                             {"kind": kind, "challenge": bytes_to_base64url(options.challenge)})
    return Ceremony(json.loads(options_to_json(options)), token)


def _take(token: str, kind: str) -> challenges.Taken:
    step = challenges.take(PURPOSE, token or "")
    if step is None or step.data.get("kind") != kind:
        raise ChallengeInvalid(field="challenge")
    return step


def listed(user_id: int) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user_id)
                                   .order_by(Passkey.created_at, Passkey.id)))


def owned(user: User, passkey_id: int) -> Passkey:
    found = db.session.get(Passkey, passkey_id)
    if found is None or found.user_id != user.id:
        raise PasskeyNotFound()
    return found


def registration_options(user: User, party: RelyingParty) -> Ceremony:
    """Options to create a passkey for `user`: a discoverable one (usernameless sign-in),
    not on an authenticator that already holds one of the account's."""
    import webauthn
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )
    options = webauthn.generate_registration_options(
        rp_id=party.id, rp_name=settings.current("site_name") or "Compartilha",
        user_name=user.email, user_id=_user_handle(user), user_display_name=user.name,
        timeout=SECONDS * 1000, exclude_credentials=_descriptors(user.id),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    return _ceremony(options, "register", user.id)


def _name(user: User, given: str | None) -> str:
    name = validation.clean_text(given or "").strip()[:NAME_MAX]
    if name:
        return name
    taken = {key.name for key in listed(user.id)}
    return next(f"Passkey {n}" for n in range(1, MAX_PER_ACCOUNT + 2)
                if f"Passkey {n}" not in taken)


def register(user: User, party: RelyingParty, token: str, credential: dict[str, Any],
             name: str | None = None) -> Passkey:
    """Verify the browser's answer to `registration_options` and keep the passkey."""
    import webauthn
    from webauthn.helpers import bytes_to_base64url
    step = _take(token, "register")
    if step.user_id != user.id:
        raise ChallengeInvalid(field="challenge")
    if (db.session.scalar(select(func.count(Passkey.id))
                          .where(Passkey.user_id == user.id)) or 0) >= MAX_PER_ACCOUNT:
        raise TooManyPasskeys()
    try:
        done = webauthn.verify_registration_response(
            credential=credential, expected_challenge=_b64(step.data["challenge"]),
            expected_rp_id=party.id, expected_origin=party.origin)
    except _bad_answer() as exc:
        event("passkey.rejected", user_id=user.id, reason=str(exc)[:120])
        raise PasskeyRejected(field="credential") from exc
    transports = (credential.get("response") or {}).get("transports") or []
    passkey = Passkey(user_id=user.id, name=_name(user, name),
                      credential_id=bytes_to_base64url(done.credential_id),
                      credential_hash=hashlib.sha256(done.credential_id).hexdigest(),
                      public_key=bytes_to_base64url(done.credential_public_key),
                      sign_count=done.sign_count,
                      transports=" ".join(str(t)[:32] for t in transports if isinstance(t, str))
                      [:255])
    db.session.add(passkey)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise PasskeyExists() from exc
    event("passkey.added", user_id=user.id, passkey_id=passkey.id,
          user_verified=done.user_verified)
    return passkey


def rename(user: User, passkey_id: int, name: str) -> Passkey:
    passkey = owned(user, passkey_id)
    passkey.name = validation.name(name)[:NAME_MAX]
    db.session.commit()
    return passkey


def remove(user: User, passkey_id: int) -> None:
    passkey = owned(user, passkey_id)
    db.session.delete(passkey)
    db.session.commit()
    event("passkey.removed", user_id=user.id, passkey_id=passkey_id)


def login_options(party: RelyingParty, mfa_token: str | None = None) -> Ceremony:
    """Options to sign in: any passkey of this site (usernameless), or, as the second
    step after a right password (`mfa_token`), one of that account's."""
    import webauthn
    from webauthn.helpers.structs import (
        UserVerificationRequirement,
    )
    user = _pending(mfa_token) if mfa_token else None
    options = webauthn.generate_authentication_options(
        rp_id=party.id, timeout=SECONDS * 1000,
        allow_credentials=_descriptors(user.id) if user else None,
        user_verification=UserVerificationRequirement.PREFERRED)
    return _ceremony(options, "login", user.id if user else None)


def _pending(mfa_token: str) -> User:
    step = challenges.peek(MFA_PURPOSE, mfa_token)
    user = None if step is None or step.user_id is None else db.session.get(User, step.user_id)
    if user is None:
        raise SecondStepExpired(field="mfa_token")
    return user


def _found(credential: dict[str, Any]) -> Passkey:
    try:
        raw = _b64(str(credential.get("rawId") or credential.get("id") or ""))
    except _bad_answer():
        raw = b""
    found = db.session.scalar(select(Passkey).where(
        Passkey.credential_hash == hashlib.sha256(raw).hexdigest())) if raw else None
    if found is None:
        event("login.failed", via="passkey", reason="unknown passkey")
        raise InvalidCredentials()
    return found


def _verify(passkey: Passkey, party: RelyingParty, challenge: bytes,
            credential: dict[str, Any], alone: bool) -> None:
    """Check the signature, the sign count (which must grow when the authenticator keeps
    one: a clone shows itself) and, for a passkey alone, user verification."""
    import webauthn
    try:
        done = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=party.id,
            expected_origin=party.origin, credential_public_key=_b64(passkey.public_key),
            credential_current_sign_count=passkey.sign_count)
    except _bad_answer() as exc:
        event("login.failed", user_id=passkey.user_id, via="passkey", reason=str(exc)[:120])
        raise InvalidCredentials() from exc
    if alone and not done.user_verified:
        event("login.failed", user_id=passkey.user_id, via="passkey", reason="not verified")
        raise UserVerificationRequired()
    # An authenticator that keeps no count says 0 each time (py_webauthn allows it only
    # while the stored count is 0 too); one that does must move past the stored count.
    grew = Passkey.sign_count < done.new_sign_count if done.new_sign_count else true()
    moved = db.session.execute(update(Passkey).where(Passkey.id == passkey.id, grew)
                               .values(sign_count=done.new_sign_count, last_used_at=utcnow())
                               .execution_options(synchronize_session=False))
    db.session.commit()
    if rowcount(moved) != 1:  # another sign-in used this count first: a replay
        raise InvalidCredentials()


def login(party: RelyingParty, token: str, credential: dict[str, Any], ip: str = "",
          user_agent: str = "", mfa_token: str | None = None) -> accounts.LoginResult:
    """A session for a verified passkey: "passkey" alone, "password+passkey" as the second
    step of `mfa_token` (used up only once the passkey verified and is that account's).
    Failures count per client address (RATELIMIT_LOGIN_CLIENT), as a wrong password."""
    with throttle.attempt(("login-client", ip), failures=(InvalidCredentials,)):
        step = _take(token, "login")
        passkey = _found(credential)
        user = db.session.get(User, passkey.user_id)
        if user is None or (mfa_token and _pending(mfa_token).id != user.id):
            event("login.failed", via="passkey", reason="another account's passkey")
            raise InvalidCredentials()
        if user.disabled_at is not None:
            event("login.refused", user_id=user.id, via="passkey", reason="account disabled")
            raise AccountDisabled()
        _verify(passkey, party, _b64(step.data["challenge"]), credential, alone=not mfa_token)
    if mfa_token and challenges.take(MFA_PURPOSE, mfa_token) is None:
        raise SecondStepExpired(field="mfa_token")
    via = "password+passkey" if mfa_token else "passkey"
    user.last_login_at = utcnow()
    result = accounts.start_session(user, ip, user_agent, method=via)
    event("login.succeeded", user_id=user.id, email=mask_email(user.email), via=via)
    return result
