"""Single sign-on with OpenID Connect (docs/identity.md, "Single sign-on"): the code flow
with PKCE against the provider of OIDC_ISSUER.

`start` keeps a state (the token of a `services.challenges` step, purpose "oidc", holding
the nonce, the PKCE verifier and where to go next) and answers the provider's
authorization URL. `finish` takes that state once, exchanges the code at the token
endpoint, verifies the id_token (signature against the provider's JWKS, iss, aud, exp,
nonce) with joserfc, and finds, links or creates the account.

HTTP to the provider (discovery, token, JWKS, userinfo) uses urllib from the standard
library: Authlib's client integrations need requests or httpx, which the app does not
depend on. The discovery document and the JWKS are kept in memory for a few minutes."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

from .. import crypto
from ..errors import (
    AccountDisabled,
    AppError,
    LastAdmin,
    SsoEmailUnverified,
    SsoFailed,
    SsoNoAccount,
    SsoNotConfigured,
)
from ..extensions import db
from ..logs import event, mask_email
from ..models import ExternalIdentity, User
from ..models.columns import utcnow
from . import accounts, challenges, mail, registration, roles, throttle, validation

PURPOSE, STATE_SECONDS = "oidc", 600
CACHE_SECONDS = 300
HTTP_TIMEOUT = 10
# Signatures an id_token may carry: asymmetric only (never "none", never a MAC).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
              "ES512", "EdDSA")
_cache: dict[str, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg["OIDC_ISSUER"] and cfg["OIDC_CLIENT_ID"])


def provider_name() -> str:
    """The provider's name on the sign-in button and pages (OIDC_NAME)."""
    return str(current_app.config["OIDC_NAME"])


def _issuer() -> str:
    if not configured():
        raise SsoNotConfigured()
    return str(current_app.config["OIDC_ISSUER"])


def _http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    """The JSON the provider answers at `url` (a POST of `data` when given); SsoFailed when
    it cannot be reached or does not answer OK."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        event("oidc.provider_error", reason="not an http(s) address")
        raise SsoFailed()
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url, data=data, headers={"Accept": "application/json", **(headers or {})},
        method="POST" if data is not None else "GET")
    where = url.split("?")[0]
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:  # noqa: S310
            return json.loads(answer.read(1 << 20))
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode(errors="replace")
        event("oidc.provider_error", at=where, status=exc.code, answer=body[:200])
        raise SsoFailed() from exc
    except (OSError, ValueError) as exc:
        event("oidc.provider_error", at=where, error=str(exc)[:200])
        raise SsoFailed() from exc


def _cached(key: str, load: Any, fresh: bool = False) -> Any:
    now = time.monotonic()
    with _cache_lock:
        found = _cache.get(key)
    if found is not None and not fresh and now - found[0] < CACHE_SECONDS:
        return found[1]
    value = load()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()


def discovery() -> dict[str, Any]:
    """The provider's `/.well-known/openid-configuration`, checked to name our issuer."""
    issuer = _issuer()

    def load() -> dict[str, Any]:
        doc = _http(f"{issuer}/.well-known/openid-configuration")
        if not isinstance(doc, dict) or doc.get("issuer") != issuer:
            event("oidc.provider_error", reason="discovery names another issuer")
            raise SsoFailed()
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(name), str):
                raise SsoFailed()
        return doc

    return dict(_cached(f"discovery:{issuer}", load))


def _jwks(doc: dict[str, Any], fresh: bool = False) -> KeySet:
    from joserfc.jwk import KeySet
    def load() -> dict[str, Any]:
        keys = _http(doc["jwks_uri"])
        if not isinstance(keys, dict):
            raise SsoFailed()
        return keys

    return KeySet.import_key_set(_cached(f"jwks:{doc['jwks_uri']}", load, fresh))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def start(redirect_uri: str, next_url: str) -> str:
    """The provider's authorization URL for a new sign-in, whose state is kept 600 s."""
    doc = discovery()
    cfg = current_app.config
    nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    state = challenges.issue(PURPOSE, STATE_SECONDS, data={
        "nonce": nonce, "code_verifier": verifier, "next": next_url})
    query = {"response_type": "code", "client_id": cfg["OIDC_CLIENT_ID"],
             "redirect_uri": redirect_uri, "scope": cfg["OIDC_SCOPES"], "state": state,
             "nonce": nonce, "code_challenge_method": "S256",
             "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest())}
    endpoint = doc["authorization_endpoint"]
    return endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode(query)


def _exchange(doc: dict[str, Any], code: str, redirect_uri: str,
              verifier: str) -> dict[str, Any]:
    """The token endpoint's answer for `code`, the client authenticated the way the
    provider supports (client_secret_basic, its default, else client_secret_post)."""
    cfg = current_app.config
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods or "client_secret_post" not in methods:
        pair = (f"{urllib.parse.quote(cfg['OIDC_CLIENT_ID'], safe='')}:"
                f"{urllib.parse.quote(cfg['OIDC_CLIENT_SECRET'], safe='')}")
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form.update(client_id=cfg["OIDC_CLIENT_ID"], client_secret=cfg["OIDC_CLIENT_SECRET"])
    answer = _http(doc["token_endpoint"], urllib.parse.urlencode(form).encode(), headers)
    if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
        event("oidc.failed", reason="no id_token")
        raise SsoFailed()
    return answer


def verify_id_token(doc: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    """The id_token's claims once its signature (the provider's JWKS, fetched again once
    for an unknown key), issuer, audience, expiry and nonce check out; SsoFailed if not."""
    cfg = current_app.config
    # joserfc is imported on first use (tests/test_startup.py: a small idle process).
    from joserfc import jwt
    from joserfc.errors import JoseError
    allowed = [a for a in doc.get("id_token_signing_alg_values_supported") or ["RS256"]
               if a in ALGORITHMS] or ["RS256"]
    try:
        try:
            token = jwt.decode(id_token, _jwks(doc), algorithms=allowed)
        except (JoseError, ValueError):  # a rotated key: fetch the set again, once
            token = jwt.decode(id_token, _jwks(doc, fresh=True), algorithms=allowed)
        jwt.JWTClaimsRegistry(
            leeway=60, iss={"essential": True, "value": doc["issuer"]},
            aud={"essential": True, "value": cfg["OIDC_CLIENT_ID"]},
            exp={"essential": True}, sub={"essential": True},
            nonce={"essential": True, "value": nonce}).validate(token.claims)
    except (JoseError, ValueError) as exc:
        event("oidc.failed", reason="id_token refused", error=type(exc).__name__)
        raise SsoFailed() from exc
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != cfg["OIDC_CLIENT_ID"]:
        event("oidc.failed", reason="id_token for several audiences, not authorized to us")
        raise SsoFailed()
    return claims


def _userinfo(doc: dict[str, Any], access_token: str, sub: str) -> dict[str, Any]:
    """The userinfo endpoint's claims when the provider has one and it speaks of `sub`."""
    endpoint = doc.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not access_token:
        return {}
    found = _http(endpoint, headers={"Authorization": f"Bearer {access_token}"})
    return found if isinstance(found, dict) and found.get("sub") == sub else {}


@dataclass(frozen=True)
class Finished:
    result: accounts.LoginResult
    next_url: str


def finish(args: dict[str, str], redirect_uri: str, ip: str = "",
           user_agent: str = "", language: str = "pt_BR") -> Finished:
    """Complete a sign-in from the provider's redirect (`args`: its query). Failed
    callbacks count per client address (RATELIMIT_OIDC)."""
    with throttle.attempt(("oidc", ip), failures=(AppError,)):
        return _finish(args, redirect_uri, ip, user_agent, language)


def _finish(args: dict[str, str], redirect_uri: str, ip: str, user_agent: str,
            language: str) -> Finished:
    doc = discovery()
    step = challenges.take(PURPOSE, args.get("state", ""))
    if step is None:
        event("oidc.failed", reason="unknown, replayed or expired state")
        raise SsoFailed()
    if args.get("error"):
        event("oidc.failed", reason="provider error", error=args["error"][:64])
        raise SsoFailed()
    if args.get("iss") and args["iss"] != doc["issuer"]:  # RFC 9207
        event("oidc.failed", reason="answer from another issuer")
        raise SsoFailed()
    answer = _exchange(doc, args.get("code", ""), redirect_uri, step.data["code_verifier"])
    claims = verify_id_token(doc, answer["id_token"], step.data["nonce"])
    info = _userinfo(doc, str(answer.get("access_token") or ""), str(claims["sub"]))
    claims = {**info, **claims} if info else claims
    user = _account(doc["issuer"], claims, language)
    if user.disabled_at is not None:
        event("login.refused", user_id=user.id, reason="account disabled", via="oidc")
        raise AccountDisabled()
    _sync_role(user, claims)
    user.last_login_at = utcnow()
    result = accounts.start_session(user, ip, user_agent, method="oidc")
    event("login.succeeded", user_id=user.id, email=mask_email(user.email), via="oidc")
    return Finished(result, str(step.data.get("next") or "/files"))


def _verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or value == "true"  # some providers send a string


def _account(issuer: str, claims: dict[str, Any], language: str) -> User:
    """The account of this identity: the one linked to (issuer, sub); else the one with
    the same, verified, email (linked now); else a new one when OIDC_AUTO_CREATE."""
    sub = str(claims["sub"])[:255]
    identity = db.session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.issuer == issuer, ExternalIdentity.subject == sub))
    if identity is not None:
        identity.last_login_at = utcnow()
        return db.session.get_one(User, identity.user_id)  # the foreign key cascades
    raw = claims.get("email")
    try:
        email = validation.email(raw) if isinstance(raw, str) else None
    except AppError:
        email = None
    if email is None:
        event("oidc.failed", reason="no usable email claim")
        raise SsoNoAccount()
    existing = accounts.user_at(email)
    if existing is not None:
        if not _verified(claims):
            event("oidc.refused", user_id=existing.id, reason="email not verified")
            raise SsoEmailUnverified()
        if existing.disabled_at is not None:  # refused before anything is linked to it
            event("login.refused", user_id=existing.id, reason="account disabled", via="oidc")
            raise AccountDisabled()
        _link(existing, issuer, sub)
        if existing.verified_at is None:
            existing.verified_at = utcnow()
        db.session.commit()
        event("oidc.linked", user_id=existing.id, email=mask_email(existing.email))
        return existing
    return _create(issuer, sub, email, claims, language)


def _link(user: User, issuer: str, sub: str) -> None:
    db.session.add(ExternalIdentity(user_id=user.id, issuer=issuer, subject=sub,
                                    created_at=utcnow(), last_login_at=utcnow()))


def _create(issuer: str, sub: str, email: str, claims: dict[str, Any],
            language: str) -> User:
    """A new account for a newcomer, when OIDC_AUTO_CREATE: the provider decides who may
    sign in, so the `registration` mode (open, invite_only, closed) does not apply, but the
    domain allow-list does. Its password is `crypto.NO_PASSWORD` (none matches)."""
    if not current_app.config["OIDC_AUTO_CREATE"]:
        event("oidc.refused", reason="auto-create off", email=mask_email(email))
        raise SsoNoAccount()
    if not registration.empty_instance() and not registration.domain_allowed(email):
        event("oidc.refused", reason="email domain not allowed", email=mask_email(email))
        raise SsoNoAccount()
    name_claim = claims.get("name") or claims.get("preferred_username") or email.split("@")[0]
    try:
        name = validation.name(str(name_claim)[:255])
    except AppError:
        name = validation.name(email.split("@")[0])
    user = User(name=name, password_hash=crypto.NO_PASSWORD,
                language=language if language in mail.LANGUAGES else mail.DEFAULT_LANGUAGE,
                role=roles.first_role(),
                verified_at=utcnow() if _verified(claims) else None)
    skeleton = validation.skeleton(email)
    taken = db.session.scalar(select(User.id).where(
        or_(User.email == email, User.email_skeleton == skeleton)))
    if taken is not None:  # a look-alike of an account's address: never linked
        event("oidc.refused", user_id=taken, reason="looks like another account's email")
        raise SsoEmailUnverified()
    user.email, user.email_skeleton = email, skeleton
    db.session.add(user)
    try:
        db.session.flush()
        _link(user, issuer, sub)
        db.session.commit()
    except IntegrityError as exc:  # a race for the address, or for this identity
        db.session.rollback()
        event("oidc.refused", reason="account created meanwhile", email=mask_email(email))
        raise SsoFailed() from exc
    event("oidc.account_created", user_id=user.id, email=mask_email(user.email),
          role=user.role)
    return user


def _groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get("groups")
    if isinstance(value, str):
        return [value]
    return [str(g) for g in value] if isinstance(value, list) else []


def _sync_role(user: User, claims: dict[str, Any]) -> None:
    """With OIDC_ADMIN_GROUP set, at every sign-in: in the group → admin, not → user;
    except that the last enabled admin stays one (logged as `oidc.role_kept`)."""
    group = current_app.config["OIDC_ADMIN_GROUP"]
    if not group:
        return
    wanted = roles.ADMIN if group in _groups(claims) else roles.USER
    if user.role == wanted:
        return
    if wanted == roles.USER:
        roles.lock_admins()
        try:
            roles.keep_an_admin(user)
        except LastAdmin:
            event("oidc.role_kept", user_id=user.id, role=user.role,
                  reason="last enabled admin")
            return
    user.role = wanted
    db.session.commit()
    event("admin.user_changed", user_id=user.id, role=wanted, via="oidc")
