"""Passkeys: add, list, rename and remove mine; sign in with one (alone or as the second
step after a password). `services.passkeys` verifies; this module speaks JSON."""

from flask import jsonify, request

from ..http.identity import (
    BEARER,
    client_address,
    login_required,
    require_user,
    set_session_cookies,
)
from ..http.relying_party import relying_party
from ..services import passkeys
from . import bp
from .schemas import (
    CeremonyOut,
    PasskeyAddIn,
    PasskeyEnvelope,
    PasskeyList,
    PasskeyLoginIn,
    PasskeyOptionsIn,
    PasskeyRenameIn,
    TokenOut,
)
from .serializers import passkey_json

NO_PASSKEY = "no such passkey of mine (passkey_not_found)"
BAD_CHALLENGE = "challenge unknown, used, expired or not mine (challenge_invalid)"


@bp.get("/me/passkeys")
@login_required
@bp.output(PasskeyList)
@bp.doc(security=BEARER)
def list_passkeys():
    """My passkeys, oldest first."""
    return {"passkeys": [passkey_json(p) for p in passkeys.listed(require_user().id)]}


@bp.post("/me/passkeys/options")
@login_required
@bp.output(CeremonyOut)
@bp.doc(security=BEARER)
def passkey_creation_options():
    """Options for navigator.credentials.create (through parseCreationOptionsFromJSON)
    and the challenge to send back with the new credential."""
    made = passkeys.registration_options(require_user(), relying_party())
    return {"options": made.options, "challenge": made.challenge}


@bp.post("/me/passkeys")
@login_required
@bp.input(PasskeyAddIn)
@bp.output(PasskeyEnvelope, status_code=201)
@bp.doc(security=BEARER, responses={
    403: "the credential did not verify (passkey_rejected)", 404: BAD_CHALLENGE,
    409: "already registered (passkey_exists) or too many (too_many_passkeys)"})
def add_passkey(json_data):
    """Keep a new passkey: the credential's toJSON() and the challenge of its options."""
    added = passkeys.register(require_user(), relying_party(), json_data["challenge"],
                              json_data["credential"], json_data.get("name"))
    return {"passkey": passkey_json(added)}, 201


@bp.patch("/me/passkeys/<id:passkey_id>")
@login_required
@bp.input(PasskeyRenameIn)
@bp.output(PasskeyEnvelope)
@bp.doc(security=BEARER, responses={404: NO_PASSKEY, 422: "invalid name"})
def rename_passkey(passkey_id, json_data):
    """Rename one of my passkeys."""
    return {"passkey": passkey_json(passkeys.rename(require_user(), passkey_id,
                                                    json_data["name"]))}


@bp.delete("/me/passkeys/<id:passkey_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: NO_PASSKEY})
def remove_passkey(passkey_id):
    """Remove one of my passkeys; it signs in no more."""
    passkeys.remove(require_user(), passkey_id)
    return ""


@bp.post("/auth/passkeys/options")
@bp.input(PasskeyOptionsIn)
@bp.output(CeremonyOut)
@bp.doc(responses={401: "mfa_token unknown, used or expired (mfa_token_invalid)"})
def passkey_request_options(json_data):
    """Options for navigator.credentials.get (through parseRequestOptionsFromJSON): any
    passkey of this site, or with `mfa_token` that account's."""
    made = passkeys.login_options(relying_party(), json_data.get("mfa_token"))
    return {"options": made.options, "challenge": made.challenge}


@bp.post("/auth/passkeys/login")
@bp.input(PasskeyLoginIn)
@bp.output(TokenOut)
@bp.doc(responses={
    401: "unknown passkey or an answer that does not verify (invalid_credentials, the "
         "wrong password's message), or mfa_token_invalid",
    403: "account disabled (account_disabled), or a passkey alone that did not verify "
         "its holder (user_verification_required)",
    404: BAD_CHALLENGE, 429: "throttled (RATELIMIT_LOGIN_CLIENT)"})
def passkey_login(json_data):
    """Sign in with a passkey: a Bearer token, also set as an HttpOnly cookie."""
    result = passkeys.login(relying_party(), json_data["challenge"], json_data["credential"],
                            client_address(), request.user_agent.string,
                            json_data.get("mfa_token"))
    response = jsonify(access_token=result.token, token_type="Bearer",  # noqa: S106
                       expires_in=result.expires_in)
    set_session_cookies(response, result.token, result.session, result.expires_in)
    return response
