"""Password hashing (hashlib scrypt) and session tokens (PyJWT, HS256)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING


def _import_pyjwt():  # noqa: ANN202 - returns the module
    """PyJWT for HS256 only: without `cryptography` (~9 MiB per process) unless it is loaded.

    PyJWT loads `cryptography` for its RSA/EC algorithms when it can and does without it
    when the import fails; tokens here are HS256 (hmac, hashlib), so a worker need not pay.
    """
    if "cryptography" in sys.modules:
        import jwt
    else:
        sys.modules["cryptography"] = None  # type: ignore[assignment]  # halts that import
        try:
            import jwt
        finally:
            del sys.modules["cryptography"]
    return jwt


if TYPE_CHECKING:
    import jwt
else:
    jwt = _import_pyjwt()

InvalidTokenError = jwt.InvalidTokenError
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


# The stored "hash" of an account that has no password (made by single sign-on): no
# scrypt string, so no password matches it; it can only be replaced (a password reset).
NO_PASSWORD = "!"  # noqa: S105  (a marker, not a password)


def has_password(stored: str) -> bool:
    return stored != NO_PASSWORD


def verify_password(password: str, stored: str) -> bool:
    if not has_password(stored):
        return False
    params, salt, expected = _parse(stored)
    actual = _scrypt(password, salt, params["n"], params["r"], params["p"])
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, n: int) -> bool:
    if not has_password(stored):
        return False
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


def key_id(key: str) -> str:
    return hashlib.sha256(f"kid:{key}".encode()).hexdigest()[:12]


def signing_keys(secret_key: str, extra: str = "") -> list[tuple[str, str]]:
    """(kid, key) pairs, newest first: TOKEN_KEYS (comma-separated) or the SECRET_KEY.

    Tokens are signed with the first; the others still verify until they are removed.
    """
    keys = [k.strip() for k in extra.split(",") if k.strip()] or [secret_key]
    for key in keys:
        if len(key.encode()) < 32:
            raise RuntimeError("every token key must be at least 32 bytes (256 bits)")
    return [(key_id(key), key) for key in keys]


def issue_token(keys: list[tuple[str, str]], user_id: int, jti: str, issued_at: datetime,
                expires_at: datetime) -> str:
    kid, key = keys[0]
    payload = {"sub": str(user_id), "jti": jti, "iat": issued_at, "exp": expires_at,
               "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"typ": "JWT", "kid": kid})


LEEWAY = timedelta(seconds=30)


def _now() -> datetime:
    return datetime.now(UTC)


def decode_token(keys: list[tuple[str, str]], token: str) -> Claims:
    """Verify key id, signature, algorithm and claims; raise jwt.InvalidTokenError otherwise.

    A token is verified once per process and remembered (every request of a session
    sends the same one, and PyJWT's checks were ~0.1 ms of each, issue 14); only its
    expiry, which time changes, is checked again. Revocation is the caller's (the
    session row), on every request.
    """
    claims = _verified(tuple(keys), token)
    if claims.expires_at + LEEWAY <= _now():
        raise jwt.ExpiredSignatureError("Signature has expired")
    return claims


@functools.lru_cache(maxsize=4096)  # only tokens that verified: a failure raises
def _verified(keys: tuple[tuple[str, str], ...], token: str) -> Claims:
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "JWT" or header.get("alg") != ALGORITHM:
        raise jwt.InvalidTokenError("wrong token type or algorithm")
    key = dict(keys).get(header.get("kid"))  # type: ignore[arg-type]
    if key is None:
        raise jwt.InvalidTokenError("unknown key id")
    data = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                      leeway=LEEWAY, options={"require": REQUIRED_CLAIMS})
    sub, jti, iat = data["sub"], data["jti"], data["iat"]
    if not isinstance(sub, str) or not sub.isdigit() or not isinstance(jti, str):
        raise jwt.InvalidTokenError("malformed subject")
    if not isinstance(iat, int | float) or iat > _now().timestamp() + LEEWAY.total_seconds():
        raise jwt.InvalidTokenError("issued in the future")
    return Claims(int(sub), jti, datetime.fromtimestamp(data["exp"], UTC))


def csrf_token(key: str, jti: str) -> str:
    """The CSRF token is bound to the session, so a planted cookie cannot forge it."""
    return hmac.new(key.encode(), f"csrf:{jti}".encode(), hashlib.sha256).hexdigest()
