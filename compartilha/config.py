"""Configuration, read once from the environment (and a `.env` file).

Every variable the application reads is listed in ``VARIABLES`` with its
default and meaning; docs/configuration.md documents this list, and
tests/test_docs.py keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import crypto

GIB = 1024**3

# name -> (default, description). A default of None means "derived at start-up".
VARIABLES: dict[str, tuple[Any, str]] = {
    "DATABASE_URL": (
        None, "SQLAlchemy URL; default: SQLite file `compartilha.db` in the instance folder"),
    "STORAGE_URL": (
        None, "where file bytes live; default: `file://` + `files/` in the instance folder"),
    "S3_ENDPOINT_URL": (
        "", "S3 API of a non-AWS server (SeaweedFS, MinIO, Garage…), e.g. http://127.0.0.1:8333"),
    "AWS_ACCESS_KEY_ID": ("", "S3 access key (read by boto3, as are ~/.aws and instance roles)"),
    "AWS_SECRET_ACCESS_KEY": ("", "S3 secret key (read by boto3)"),
    "AWS_DEFAULT_REGION": ("", "S3 region (read by boto3); S3-compatible servers accept us-east-1"),
    "S3_UPLOAD_CONCURRENCY": (
        "4", "parts of one S3 upload sent at once; memory per upload: this × the 8 MiB part"),
    "S3_PRESIGNED_DOWNLOADS": (
        "0", "`1`: owner downloads and unlimited share links redirect to a 5-minute S3 URL"),
    "SECRET_KEY": (
        None, "signing key (>= 32 bytes); default: generated once into `instance/secret_key`"),
    "HOST": ("127.0.0.1", "address `make run` binds"),
    "PORT": ("8000", "port `make run` binds"),
    "MAX_UPLOAD_BYTES": (str(10 * GIB), "largest accepted file in bytes (10 GiB); larger: 413"),
    "TOKEN_TTL_SECONDS": ("43200", "lifetime of a session token (12 h)"),
    "PUBLIC_URL": (
        "", "base URL of share links, e.g. https://files.example.com; default: request host"),
    "CORS_ORIGINS": (
        "", "comma-separated origins whose pages may call /api/v1 (tus included) with a bearer "
        "token, e.g. https://intranet.example.com; `*`: any; empty: this origin only"),
    "SCRYPT_N": (str(2**17), "scrypt cost for new password hashes (OWASP: 2^17, r=8, p=1)"),
    "COOKIE_SECURE": (
        "auto", "`1` always sets Secure cookies, `0` never, `auto` when the request is HTTPS"),
    "UPLOADED_FILES_DENY": (
        "", "comma-separated extensions refused at upload (Flask-Uploads), e.g. `exe,bat`"),
    "SHARE_MAX_DAYS": ("365", "how far ahead a share link's expiry may be set, in days"),
    "SHARE_RETENTION_DAYS": (
        "30", "ended links (expired, used up, revoked) are purged after this many days"),
    "REDIS_URL": (
        "", "e.g. redis://127.0.0.1:6379/0: rate-limit counters in Redis; default: the database"),
    "RATELIMIT_KEY_PREFIX": ("compartilha", "prefix of the Redis keys (apps sharing one Redis)"),
    "TOKEN_KEYS": (
        "", "comma-separated JWT keys, newest first (rotation); default: the SECRET_KEY"),
    "TRUSTED_PROXIES": (
        "0", "how many reverse proxies to believe in X-Forwarded-For/-Proto (0: none)"),
    "TRUSTED_HOSTS": (
        "", "comma-separated host names accepted in `Host` (others: 400); default: any "
        "with PUBLIC_URL, else localhost, 127.0.0.1 and HOST"),
    "RATELIMIT_LOGIN": ("10 per 15 minutes", "failed logins per account and client address"),
    "RATELIMIT_LOGIN_CLIENT": ("30 per 15 minutes", "failed logins per client address"),
    "RATELIMIT_LOGIN_ACCOUNT": (
        "20 per 15 minutes", "failed logins per account from all addresses before it is "
        "slowed down (never locked)"),
    "RATELIMIT_LOGIN_SLOWED": (
        "1 per 5 minutes", "on a slowed account: tries per address that failed on it lately"),
    "RATELIMIT_PASSWORD_CHECK": (
        "10 per 15 minutes", "wrong current passwords per account (password change, deletion)"),
    "RATELIMIT_TWO_STEP": (
        "5 per 15 minutes", "wrong two-step codes (code app or recovery code) per account"),
    "RATELIMIT_SHARE_PASSWORD": ("10 per 15 minutes", "wrong link passwords per client and link"),
    "RATELIMIT_SHARE_PASSWORD_LINK": ("100 per hour", "wrong passwords per link, all clients"),
    "RATELIMIT_SHARE_MISS": ("30 per 15 minutes", "unknown link tokens at /s/… per client"),
    "RATELIMIT_TOKEN_MISS": (
        "30 per 15 minutes", "failed API token authentications (unknown, revoked, expired) "
        "per client"),
    "RATELIMIT_REGISTER": ("20 per hour", "registrations per client"),
    "RATELIMIT_VERIFY_RESEND": ("5 per hour", "verification links one account may ask for"),
    "RATELIMIT_PASSWORD_RESET": ("10 per hour", "password reset requests per client"),
    "RATELIMIT_PASSWORD_RESET_ACCOUNT": (
        "3 per hour", "reset mails one account receives; further requests send none, silently"),
    "RATELIMIT_UPLOAD": ("300 per hour", "uploads per client (form uploads and tus creations)"),
    "RATELIMIT_SHARE": ("300 per hour", "share links created per client"),
    "RATELIMIT_REQUEST_UPLOAD": (
        "300 per hour", "uploads through upload links per client (form uploads and tus "
        "creations)"),
    "RATELIMIT_REQUEST_UPLOAD_LINK": (
        "1000 per hour", "uploads through one upload link, all clients"),
    "RATELIMIT_SHARE_CODE": (
        "3 per 15 minutes", "one-time codes mailed per link addressed to someone and address"),
    "RATELIMIT_SHARE_CODE_CHECK": (
        "5 per 15 minutes", "wrong one-time codes per link and address, all clients"),
    "RATELIMIT_SHARE_CODE_CLIENT": (
        "20 per 15 minutes", "one-time codes asked for and wrong codes per client"),
    "RATELIMIT_OIDC": (
        "30 per 15 minutes", "failed single sign-on returns (/auth/oidc/callback) per client"),
    "UPLOAD_MAX_UNFINISHED": ("20", "unfinished tus uploads one user may hold at once"),
    "UPLOAD_MAX_UNFINISHED_BYTES": (
        None, "bytes one user's unfinished tus uploads may declare in all; "
        "default: 4 × MAX_UPLOAD_BYTES"),
    "REQUEST_MAX_UNFINISHED": ("20", "unfinished tus uploads one upload link may hold at once"),
    "UPLOAD_EXPIRY_HOURS": (
        "24", "an unfinished tus upload expires this long after its last request"),
    "UPLOAD_IDLE_SECONDS": (
        "60", "under gunicorn: an upload whose client sends nothing for this long ends and "
        "frees its thread (the bytes received so far count; 0: wait for ever)"),
    "X_ACCEL_REDIRECT": (
        "", "behind nginx: internal location of the storage folder, e.g. `/_files/`; "
        "downloads are then sent by nginx"),
    "WEBHOOK_ALLOW_PRIVATE": (
        "0", "`1`: webhooks may call loopback and private addresses (tests, an intranet); "
        "default: only public ones, every address the host resolves to"),
    "MAIL_URL": (
        "", "outgoing mail server: `smtp://user:password@host:587` (STARTTLS when offered), "
        "`smtps://…:465` (TLS from the start); empty: each message is written to "
        "`instance/outbox/` and its path logged"),
    "MAIL_FROM": ("", "sender of every message, e.g. `Compartilha <files@example.com>`; "
                  "default: `Compartilha <noreply@` + the PUBLIC_URL host (or localhost) `>`"),
    "JOBS_WORKERS": ("2", "threads of `flask jobs worker` (jobs run at once)"),
    "JOBS_LEASE_SECONDS": (
        "60", "a job whose worker stopped renewing it (killed) runs again after this long"),
    "REQUEST_QUIET_SECONDS": (
        "60", "an upload link's arrivals are told to its owner once it has had none for "
        "this long: one notification per upload session"),
    "SITE_NAME": ("Compartilha", "the instance's name in every page, title and mail"),
    "ACCENT_COLOR": ("#4f46e5", "the accent colour of buttons and links (`#rrggbb`)"),
    "REGISTRATION": (
        "open", "who may sign up: `open`, `invite_only` (with an invitation) or `closed`"),
    "REGISTRATION_DOMAINS": (
        "", "comma-separated email domains allowed to sign up, e.g. `example.com`; empty: any"),
    "USERS_MAY_INVITE": ("0", "`1`: users (not only admins) may send invitations"),
    "INVITATION_DAYS": ("7", "an invitation expires after this many days"),
    "DEFAULT_SHARE_DAYS": (
        "", "a new share link expires after this many days unless its owner says otherwise; "
        "empty: no expiry"),
    "DEFAULT_MAX_DOWNLOADS": (
        "", "a new share link's download limit unless its owner says otherwise; empty: none"),
    "USERS_MAY_CREATE_UPLOAD_LINKS": ("1", "`0`: only admins may create upload links"),
    "USERS_MAY_CREATE_PUBLIC_LINKS": (
        "1", "`0`: only admins may create share links that anyone holding them can open; "
        "users may still send links addressed to recipients"),
    "DEFAULT_QUOTA_BYTES": (
        "", "bytes each account may store unless an admin sets its own quota; empty: no "
        "limit (an admin can change it in Administration → Settings)"),
    "DEFAULT_QUOTA_FILES": (
        "", "files each account may store unless an admin sets its own cap; empty: no limit"),
    "AUDIT_RETENTION_DAYS": (
        "365", "audit log events older than this many days are deleted (0: kept for ever)"),
    "CLAMAV_URL": (
        "", "clamd to scan every upload before it is recorded: `tcp://host:port` or "
        "`unix:///path/to/clamd.ctl`; empty: no scanning"),
    "CLAMAV_UNAVAILABLE": (
        "refuse", "when clamd cannot scan an upload (down, timeout, over its "
        "StreamMaxLength): `refuse` it (503) or `accept` it, marked unscanned"),
    "CLAMAV_TIMEOUT": (
        "60", "seconds to wait for clamd at each step (connect, each piece sent, the verdict)"),
    "PASSWORD_LOGIN": (
        "1", "`0`: no sign-in, sign-up or reset by password (single sign-on and passkeys "
        "only); API tokens keep working"),
    "REQUIRE_TWO_STEP": (
        "0", "`1`: every account must use two-step sign-in (a code app or a passkey); "
        "an admin can change it in Administration → Settings"),
    "OIDC_ISSUER": (
        "", "single sign-on: the OpenID provider's issuer URL (its "
        "`/.well-known/openid-configuration` is read); empty: no single sign-on"),
    "OIDC_CLIENT_ID": ("", "single sign-on: this instance's client id at the provider"),
    "OIDC_CLIENT_SECRET": ("", "single sign-on: this instance's client secret"),
    "OIDC_ADMIN_GROUP": (
        "", "single sign-on: members of this group (in the `groups` claim) are admins, "
        "re-checked at every sign-in; empty: roles are managed here"),
    "OIDC_AUTO_CREATE": (
        "1", "single sign-on: `1` creates an account at the first sign-in of someone "
        "without one; `0`: only accounts that exist (linked by verified email) may sign in"),
    "OIDC_NAME": ("Single sign-on", "single sign-on: the provider's name on the sign-in button"),
    "OIDC_SCOPES": (
        "openid email profile", "single sign-on: the scopes asked for (add `groups` if the "
        "provider needs it to send the groups claim)"),
    "INSTANCE_PATH": (
        "", "folder for the SQLite file, secret key and local files; default: `./instance`"),
}


RATE_VARIABLES = [name for name in VARIABLES if name.startswith("RATELIMIT_")
                  and name != "RATELIMIT_KEY_PREFIX"]


def env(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        default = VARIABLES[name][0]
        return None if default is None else str(default)
    return value


def _secret_key(instance: Path) -> str:
    """Read the instance secret, creating it atomically the first time.

    O_EXCL makes concurrent first starts (several gunicorn workers) agree on one key.
    """
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment plus test overrides."""
    overrides = overrides or {}
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database_url = env("DATABASE_URL") or f"sqlite:///{instance / 'compartilha.db'}"
    max_upload = int(env("MAX_UPLOAD_BYTES") or 0)
    cfg: dict[str, Any] = {
        "SECRET_KEY": env("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "STORAGE_URL": env("STORAGE_URL") or f"file://{instance / 'files'}",
        "MAX_UPLOAD_BYTES": max_upload,
        "S3_ENDPOINT_URL": env("S3_ENDPOINT_URL") or None,
        "S3_PRESIGNED_DOWNLOADS": env("S3_PRESIGNED_DOWNLOADS") == "1",
        "S3_UPLOAD_CONCURRENCY": max(1, int(env("S3_UPLOAD_CONCURRENCY") or 4)),
        # JSON and form bodies stay small; upload routes raise the limit per request.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "TOKEN_TTL_SECONDS": int(env("TOKEN_TTL_SECONDS") or 43200),
        "PUBLIC_URL": (env("PUBLIC_URL") or "").rstrip("/"),
        "CORS_ORIGINS": [origin.strip().rstrip("/") for origin in
                         (env("CORS_ORIGINS") or "").split(",") if origin.strip()],
        "SCRYPT_N": int(env("SCRYPT_N") or 2**17),
        "COOKIE_SECURE": env("COOKIE_SECURE"),
        "UPLOADED_FILES_DENY": tuple(
            e.strip().lower().lstrip(".") for e in (env("UPLOADED_FILES_DENY") or "").split(",")
            if e.strip()
        ),
        "UPLOADED_FILES_DEST": str(instance / "files"),
        "SHARE_MAX_DAYS": int(env("SHARE_MAX_DAYS") or 365),
        "SHARE_RETENTION_DAYS": int(env("SHARE_RETENTION_DAYS") or 30),
        "REDIS_URL": env("REDIS_URL") or "",
        "RATELIMIT_KEY_PREFIX": env("RATELIMIT_KEY_PREFIX"),
        "RATELIMIT_ENABLED": True,
        "UPLOAD_EXPIRY_HOURS": float(env("UPLOAD_EXPIRY_HOURS") or 24),
        "UPLOAD_MAX_UNFINISHED": int(env("UPLOAD_MAX_UNFINISHED") or 20),
        "UPLOAD_MAX_UNFINISHED_BYTES": int(env("UPLOAD_MAX_UNFINISHED_BYTES") or 0) or None,
        "REQUEST_MAX_UNFINISHED": int(env("REQUEST_MAX_UNFINISHED") or 20),
        "UPLOAD_IDLE_SECONDS": float(env("UPLOAD_IDLE_SECONDS") or 60),
        "X_ACCEL_REDIRECT": env("X_ACCEL_REDIRECT") or "",
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES") or 0),
        "WEBHOOK_ALLOW_PRIVATE": env("WEBHOOK_ALLOW_PRIVATE") == "1",
        "MAIL_URL": env("MAIL_URL") or "",
        "MAIL_FROM": env("MAIL_FROM") or "",
        "JOBS_WORKERS": max(1, int(env("JOBS_WORKERS") or 2)),
        "JOBS_LEASE_SECONDS": float(env("JOBS_LEASE_SECONDS") or 60),
        "REQUEST_QUIET_SECONDS": float(env("REQUEST_QUIET_SECONDS") or 60),
        "SITE_NAME": env("SITE_NAME"),
        "ACCENT_COLOR": env("ACCENT_COLOR"),
        "REGISTRATION": env("REGISTRATION"),
        "REGISTRATION_DOMAINS": tuple(
            d.strip().lower() for d in (env("REGISTRATION_DOMAINS") or "").split(",")
            if d.strip()),
        "USERS_MAY_INVITE": env("USERS_MAY_INVITE") == "1",
        "INVITATION_DAYS": int(env("INVITATION_DAYS") or 7),
        "DEFAULT_SHARE_DAYS": int(env("DEFAULT_SHARE_DAYS") or 0) or None,
        "DEFAULT_MAX_DOWNLOADS": int(env("DEFAULT_MAX_DOWNLOADS") or 0) or None,
        "USERS_MAY_CREATE_UPLOAD_LINKS": env("USERS_MAY_CREATE_UPLOAD_LINKS") != "0",
        "USERS_MAY_CREATE_PUBLIC_LINKS": env("USERS_MAY_CREATE_PUBLIC_LINKS") != "0",
        "DEFAULT_QUOTA_BYTES": int(env("DEFAULT_QUOTA_BYTES") or 0) or None,
        "DEFAULT_QUOTA_FILES": int(env("DEFAULT_QUOTA_FILES") or 0) or None,
        "AUDIT_RETENTION_DAYS": int(env("AUDIT_RETENTION_DAYS") or 365),
        "CLAMAV_URL": env("CLAMAV_URL") or "",
        "CLAMAV_UNAVAILABLE": env("CLAMAV_UNAVAILABLE"),
        "CLAMAV_TIMEOUT": float(env("CLAMAV_TIMEOUT") or 60),
        "PASSWORD_LOGIN": env("PASSWORD_LOGIN") != "0",
        "REQUIRE_TWO_STEP": env("REQUIRE_TWO_STEP") == "1",
        "OIDC_ISSUER": (env("OIDC_ISSUER") or "").rstrip("/"),
        "OIDC_CLIENT_ID": env("OIDC_CLIENT_ID") or "",
        "OIDC_CLIENT_SECRET": env("OIDC_CLIENT_SECRET") or "",
        "OIDC_ADMIN_GROUP": env("OIDC_ADMIN_GROUP") or "",
        "OIDC_AUTO_CREATE": env("OIDC_AUTO_CREATE") != "0",
        "OIDC_NAME": env("OIDC_NAME") or "Single sign-on",
        "OIDC_SCOPES": env("OIDC_SCOPES") or "openid email profile",
        # Links in mail when PUBLIC_URL is not set: the address `make run` serves.
        "LOCAL_URL": local_url(env("HOST") or "127.0.0.1", env("PORT") or "8000"),
        **{variable: env(variable) for variable in RATE_VARIABLES},
        "JSON_SORT_KEYS": False,
        "DOCS_PATH": None,
    }
    cfg.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides and "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(cfg["SQLALCHEMY_DATABASE_URI"])
    if len(cfg["SECRET_KEY"].encode()) < 32:
        raise RuntimeError("SECRET_KEY must be at least 32 bytes (256 bits)")
    if cfg["UPLOAD_MAX_UNFINISHED_BYTES"] is None:
        cfg["UPLOAD_MAX_UNFINISHED_BYTES"] = 4 * cfg["MAX_UPLOAD_BYTES"]
    _check_clamav(cfg)
    if "TRUSTED_HOSTS" not in overrides:
        cfg["TRUSTED_HOSTS"] = trusted_hosts(env("TRUSTED_HOSTS") or "", cfg["PUBLIC_URL"],
                                             env("HOST") or "")
    if "TOKEN_KEYS" not in overrides:
        cfg["TOKEN_KEYS"] = crypto.signing_keys(cfg["SECRET_KEY"], env("TOKEN_KEYS") or "")
    return cfg


def _check_clamav(cfg: dict[str, Any]) -> None:
    """A mistyped scanner setting stops the start: uploads must not go unscanned (or all
    be refused) because of a typo."""
    url = urlsplit(cfg["CLAMAV_URL"])
    if cfg["CLAMAV_URL"] and not (url.scheme == "unix" and url.path
                                  or url.scheme == "tcp" and url.hostname and url.port):
        raise RuntimeError("CLAMAV_URL must be tcp://host:port or unix:///path/to/clamd.ctl")
    if cfg["CLAMAV_UNAVAILABLE"] not in ("refuse", "accept"):
        raise RuntimeError("CLAMAV_UNAVAILABLE must be `refuse` or `accept`")


# Werkzeug cannot match an IPv6 literal (`[::1]`) in TRUSTED_HOSTS: use PUBLIC_URL there.
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


def trusted_hosts(listed: str, public_url: str, bound: str) -> list[str] | None:
    """The `Host` values Flask accepts (TRUSTED_HOSTS); any other gets 400.

    Without PUBLIC_URL, generated URLs (share links, tus `Location`) are built from the
    request's host, so only this machine's names and the bound address are believed:
    `Host: evil.example` can never decide a link. With PUBLIC_URL every URL comes from
    it, and any host is accepted unless TRUSTED_HOSTS lists some (None: any)."""
    names = [name.strip().lower() for name in listed.split(",") if name.strip()]
    if names:
        return names
    if public_url:
        return None
    specific = bound and ":" not in bound and bound != "0.0.0.0"  # noqa: S104 - compared
    return LOCAL_HOSTS + ([bound.lower()] if specific and bound not in LOCAL_HOSTS else [])


# Connections are kept once opened: with SQLAlchemy's default pool (5 kept, 10 more opened
# when needed and closed after), 16 requests at once in a worker closed and reopened a
# connection on most of them, and the 16th waited for one (issue 14). MySQL keeps the
# default's ceiling of 15 a worker (its max_connections is shared by every worker and
# server); SQLite has no such ceiling, and a worker runs up to 128 threads.
POOL = {"mysql": {"pool_size": 15, "max_overflow": 0},
        "sqlite": {"pool_size": 32, "max_overflow": 0}}


def local_url(host: str, port: str) -> str:
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("mysql"):
        # pre_ping lets the pool recover by itself after the database restarts;
        # short timeouts turn an unreachable server into a quick 503, not a hang.
        return {
            **POOL["mysql"],
            "pool_pre_ping": True,
            "pool_recycle": 3600,
            "connect_args": {"charset": "utf8mb4", "connect_timeout": 3, "read_timeout": 30},
        }
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or url.rstrip("/") == "sqlite:"  # a pool of its own
        return {**({} if in_memory else POOL["sqlite"]), "connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
