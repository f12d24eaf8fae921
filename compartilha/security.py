"""Password hashing (hashlib scrypt) and session tokens (PyJWT, HS256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
DK_BYTES = 32
ALGORITHM = "HS256"
ISSUER = "compartilha"
AUDIENCE = "compartilha"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud"]

# scrypt with N=2^17, r=8 needs 128 MiB per hash: cap how many run at once per
# process so that a burst of logins queues instead of exhausting memory.
_hash_slots = threading.BoundedSemaphore(2)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _hash_slots:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                              maxmem=256 * n * r + 1024 * 1024, dklen=DK_BYTES)


def hash_password(password: str, n: int) -> str:
    """Return a self-describing string: `scrypt$n=…,r=…,p=…$salt$hash`."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return f"scrypt$n={n},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[dict[str, int], bytes, bytes]:
    scheme, params, salt, digest = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(f"unknown password scheme {scheme!r}")
    values = {k: int(v) for k, v in (item.split("=") for item in params.split(","))}
    return values, _unb64(salt), _unb64(digest)


def verify_password(password: str, stored: str) -> bool:
    params, salt, expected = _parse(stored)
    actual = _scrypt(password, salt, params["n"], params["r"], params["p"])
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, n: int) -> bool:
    params, _, _ = _parse(stored)
    return (params["n"], params["r"], params["p"]) != (n, SCRYPT_R, SCRYPT_P)


# A hash to verify against when the email is unknown, so both failures cost the same.
_dummy_hashes: dict[int, str] = {}


def burn_time(password: str, n: int) -> None:
    if n not in _dummy_hashes:
        _dummy_hashes[n] = hash_password(secrets.token_hex(8), n)
    verify_password(password, _dummy_hashes[n])


@dataclass(frozen=True)
class Claims:
    user_id: int
    jti: str
    expires_at: datetime


def issue_token(key: str, user_id: int, jti: str, issued_at: datetime,
                expires_at: datetime) -> str:
    payload = {"sub": str(user_id), "jti": jti, "iat": issued_at, "exp": expires_at,
               "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def decode_token(key: str, token: str) -> Claims:
    """Verify signature, algorithm and claims; raise jwt.InvalidTokenError otherwise."""
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "JWT":
        raise jwt.InvalidTokenError("wrong token type")
    data = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                      leeway=timedelta(seconds=30),
                      options={"require": REQUIRED_CLAIMS})
    sub = data["sub"]
    if not isinstance(sub, str) or not sub.isdigit() or not isinstance(data["jti"], str):
        raise jwt.InvalidTokenError("malformed subject")
    return Claims(int(sub), data["jti"], datetime.fromtimestamp(data["exp"], UTC))


def csrf_token(key: str, jti: str) -> str:
    """The CSRF token is bound to the session, so a planted cookie cannot forge it."""
    return hmac.new(key.encode(), f"csrf:{jti}".encode(), hashlib.sha256).hexdigest()
