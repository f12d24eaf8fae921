"""Two-step sign-in with a code app (TOTP, RFC 6238) and ten single-use recovery codes.

The TOTP secret is stored encrypted (Fernet, with a key derived from SECRET_KEY by
HKDF): a copy of the database alone does not give the codes. Recovery codes are stored
as their SHA-256 only and shown once. A code from the app is accepted once: the step it
belongs to is recorded (`totp_last_step`, moved forward by one conditional UPDATE, so two
requests racing with one code let one through), and a step at or before it is refused.
Every code check is counted per account before it runs (RATELIMIT_TWO_STEP) and given
back when right, so six digits cannot be guessed through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

from ..errors import TwoStepState, WrongCode
from ..extensions import db, rowcount
from ..logs import event
from ..models import Passkey, RecoveryCode, User
from ..models.columns import utcnow
from . import settings, throttle

RECOVERY_COUNT = 10
# No 0/o, 1/l/i, u/v: a code written down is read back without doubt.
ALPHABET = "23456789abcdefghjkmnpqrstwxyz"
STEP_SECONDS = 30
_CODE_CHARS = str.maketrans("", "", " -\t")


@dataclass(frozen=True)
class Enrolment:
    """What the code app needs: the secret (for typing in), its URI and that as a QR code."""

    secret: str
    uri: str
    qr_svg: str


def _fernet() -> Fernet:
    # Imported on first use: an app that never sees two-step does not load cryptography
    # (tests/test_startup.py keeps the idle process small).
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"compartilha two-step secret").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _secret(user: User) -> str | None:
    if not user.totp_secret:
        return None
    from cryptography.fernet import InvalidToken
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the account must enrol again (docs)
        return None


def has_passkey(user_id: int) -> bool:
    return db.session.scalar(select(Passkey.id).where(Passkey.user_id == user_id)
                             .limit(1)) is not None


def enabled(user: User) -> bool:
    return user.totp_confirmed_at is not None


def needed(user: User) -> bool:
    """Does a sign-in with this account's password need a second step?"""
    return enabled(user) or has_passkey(user.id)


def methods(user: User) -> list[str]:
    """The ways the second step can be made, for the client to offer."""
    found = ["totp", "recovery"] if enabled(user) else []
    return found + (["passkey"] if has_passkey(user.id) else [])


def due(user: User, session_method: str | None) -> bool:
    """Must this account set two-step sign-in up before anything else? Only when the
    instance requires it (`require_two_step`, read once per request) and it has neither a
    code app nor a passkey; single sign-on sessions are the provider's to secure."""
    if enabled(user) or session_method == "oidc":
        return False
    return bool(settings.current("require_two_step")) and not has_passkey(user.id)


def _qr(uri: str) -> str:
    import segno  # only here, as for links' QR codes

    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, dark="#111827",
                                    light="#ffffff", xmldecl=False, svgns=True,
                                    title="QR code")
    return out.getvalue().decode()


def enrol(user: User) -> Enrolment:
    """A new secret for the code app (replacing one not yet confirmed); 409 when two-step
    sign-in is already on (disable it first)."""
    import pyotp
    if enabled(user):
        raise TwoStepState()
    secret = pyotp.random_base32()
    user.totp_secret = _fernet().encrypt(secret.encode()).decode()
    user.totp_last_step = None
    db.session.commit()
    return Enrolment(secret, _uri(user, secret), _qr(_uri(user, secret)))


def _uri(user: User, secret: str) -> str:
    import pyotp
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=settings.current("site_name"))


def pending(user: User) -> Enrolment | None:
    """The enrolment begun and not confirmed yet (the page shows it again), or None."""
    secret = None if enabled(user) else _secret(user)
    return None if secret is None else Enrolment(secret, _uri(user, secret),
                                                 _qr(_uri(user, secret)))


def confirm(user: User, code: str) -> list[str]:
    """Turn two-step sign-in on with a first code from the app; the recovery codes,
    which are shown this once."""
    if enabled(user) or _secret(user) is None:
        raise TwoStepState()
    check(user, code, recovery=False, confirming=True)
    user.totp_confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    db.session.commit()
    event("two_step.enabled", user_id=user.id, via="totp")
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def regenerate(user: User, code: str) -> list[str]:
    """Ten new recovery codes for a code from the app; the old ones stop working."""
    if not enabled(user):
        raise TwoStepState()
    check(user, code, recovery=False)
    codes = _new_recovery_codes(user)
    db.session.commit()
    event("two_step.recovery_renewed", user_id=user.id)
    return codes


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def recovery_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def check(user: User, code: str, recovery: bool = True, confirming: bool = False) -> str:
    """Accept a code once: "totp" or "recovery" (which kind it was), else 403 `wrong_code`
    (logged as `two_step.failed`); 429 after RATELIMIT_TWO_STEP wrong ones. The secret of
    an enrolment not confirmed yet counts only when `confirming` it."""
    given = (code or "").translate(_CODE_CHARS).lower()[:32]
    with throttle.attempt(("two-step", str(user.id)), failures=(WrongCode,)):
        if (enabled(user) or confirming) and given.isdigit() and _take_step(user, given):
            return "totp"
        if recovery and enabled(user) and _take_recovery(user, given):
            event("two_step.recovery_used", user_id=user.id, left=recovery_left(user))
            return "recovery"
        event("two_step.failed", user_id=user.id)
        raise WrongCode(field="code")


def current_step() -> int:
    """The TOTP time step now (30 s each since the epoch)."""
    return int(time.time()) // STEP_SECONDS


def _take_step(user: User, given: str) -> bool:
    import pyotp
    secret = _secret(user)
    if secret is None:
        return False
    totp, now = pyotp.TOTP(secret), current_step()
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), given):
            moved = db.session.execute(
                update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                            User.totp_last_step < step))
                .values(totp_last_step=step).execution_options(synchronize_session=False))
            db.session.commit()
            return rowcount(moved) == 1
    return False


def _take_recovery(user: User, given: str) -> bool:
    if len(given) != 10:
        return False
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _hash(given),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return rowcount(used) == 1


def disable(user: User, code: str) -> None:
    """Turn two-step sign-in off with a code (the caller has checked the password)."""
    if not enabled(user):
        raise TwoStepState()
    check(user, code)
    remove(user)
    event("two_step.disabled", user_id=user.id)


def remove(user: User) -> None:
    """Forget the secret and the recovery codes (an admin's for a lost phone too)."""
    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.commit()
