"""Two-step sign-in: the second step of a login, and setting a code app up."""

from flask import request

from ..http.identity import BEARER, client_address, login_required, require_user
from ..services import accounts, settings, two_step
from . import bp
from .accounts import session_started
from .schemas import (
    CodeIn,
    MfaLoginIn,
    RecoveryCodesOut,
    TokenOut,
    TotpDisableIn,
    TotpEnrolmentOut,
    TwoStepOut,
)

WRONG_CODE = "wrong, already used or too old code (wrong_code)"
STATE = "two-step sign-in is already on, or not begun (two_step_state)"


@bp.post("/auth/login/mfa")
@bp.input(MfaLoginIn)
@bp.output(TokenOut)
@bp.doc(responses={401: "unknown, used or expired mfa_token (mfa_token_invalid)",
                   403: f"{WRONG_CODE}, or the account is disabled (account_disabled)",
                   429: "too many wrong codes (RATELIMIT_TWO_STEP)"})
def login_mfa(json_data):
    """Finish a login with a code from the app or a recovery code: the session, as a
    login without two-step answers. A wrong code leaves the mfa_token usable."""
    return session_started(accounts.login_with_code(
        json_data["mfa_token"], json_data["code"], client_address(),
        request.user_agent.string))


@bp.get("/me/totp")
@login_required
@bp.output(TwoStepOut)
@bp.doc(security=BEARER)
def totp_state():
    """Whether my two-step sign-in is on, and how many recovery codes are left."""
    user = require_user()
    return {"enabled": two_step.enabled(user), "pending": two_step.pending(user) is not None,
            "recovery_codes_left": two_step.recovery_left(user),
            "required": bool(settings.current("require_two_step"))}


@bp.post("/me/totp")
@login_required
@bp.output(TotpEnrolmentOut)
@bp.doc(security=BEARER, responses={409: STATE})
def totp_enrol():
    """Begin setting a code app up: a new secret (replacing one not confirmed yet)."""
    enrolment = two_step.enrol(require_user())
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.uri}


@bp.post("/me/totp/confirm")
@login_required
@bp.input(CodeIn)
@bp.output(RecoveryCodesOut)
@bp.doc(security=BEARER, responses={403: WRONG_CODE, 409: STATE,
                                    429: "too many wrong codes (RATELIMIT_TWO_STEP)"})
def totp_confirm(json_data):
    """Turn two-step sign-in on with a first code: ten recovery codes, shown this once."""
    return {"recovery_codes": two_step.confirm(require_user(), json_data["code"])}


@bp.post("/me/totp/recovery-codes")
@login_required
@bp.input(CodeIn)
@bp.output(RecoveryCodesOut)
@bp.doc(security=BEARER, responses={403: WRONG_CODE, 409: STATE,
                                    429: "too many wrong codes (RATELIMIT_TWO_STEP)"})
def totp_recovery_codes(json_data):
    """Ten new recovery codes for a code from the app; the old ones stop working."""
    return {"recovery_codes": two_step.regenerate(require_user(), json_data["code"])}


@bp.delete("/me/totp")
@login_required
@bp.input(TotpDisableIn)
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: f"wrong password (wrong_password) or {WRONG_CODE}",
                                    409: STATE, 429: "throttled"})
def totp_disable(json_data):
    """Turn two-step sign-in off: my password and a code (or a recovery code)."""
    accounts.disable_two_step(require_user(), json_data["password"], json_data["code"])
    return ""
