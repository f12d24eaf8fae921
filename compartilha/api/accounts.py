"""Accounts and sessions."""

from flask import current_app, jsonify, request

from ..http import languages, rate_limits
from ..http.identity import (
    BEARER,
    clear_session_cookies,
    client_address,
    current_session,
    login_required,
    require_user,
    set_session_cookies,
)
from ..services import accounts, verification
from . import bp
from .schemas import (
    DeleteAccountIn,
    LoginIn,
    MailedTokenIn,
    PasswordIn,
    ProfileIn,
    RegisteredEnvelope,
    RegisterIn,
    ResetConfirmIn,
    ResetRequestIn,
    SessionList,
    TokenOut,
    UserEnvelope,
)
from .serializers import session_json, user_json


def _signed_out():
    """204, and the browser forgets the session cookies too."""
    response = current_app.response_class(status=204)
    clear_session_cookies(response)
    return response


@bp.post("/auth/register")
@rate_limits.register
@bp.input(RegisterIn)
@bp.output(RegisteredEnvelope, status_code=201)
@bp.doc(responses={403: "sign-up is closed (registration_closed) or by invitation "
                        "(invitation_required, invitation_invalid, invitation_wrong_email), "
                        "or the email's domain is not allowed (email_domain_not_allowed), "
                        "or passwords are turned off (password_login_disabled)",
                   422: "invalid field",
                   429: "too many accounts from this address (RATELIMIT_REGISTER)"})
def register(json_data):
    """Create an account and mail it a verification link. An address that already has an
    account gets the same answer (its owner is mailed instead): log in to continue."""
    done = accounts.sign_up(json_data["name"], json_data["email"], json_data["password"],
                            languages.preferred(), json_data.get("invitation"))
    return {"user": {"name": done.name, "email": done.email, "verified": False}}


@bp.post("/auth/verify")
@bp.input(MailedTokenIn)
@bp.output({}, status_code=204)
@bp.doc(responses={404: "unknown, used or expired token (invalid_token)"})
def verify(json_data):
    """Prove an address: the token of the mailed verification link."""
    verification.verify(json_data["token"])
    return ""


@bp.post("/auth/verify/resend")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={429: "throttled (RATELIMIT_VERIFY_RESEND)"})
def resend_verification():
    """Mail my address another verification link (nothing when it is verified)."""
    verification.resend(require_user())
    return ""


@bp.post("/auth/password-reset")
@rate_limits.password_reset
@bp.input(ResetRequestIn)
@bp.output({}, status_code=202)
@bp.doc(responses={403: "passwords are turned off (PASSWORD_LOGIN=0: password_login_disabled)",
                   429: "throttled (RATELIMIT_PASSWORD_RESET)"})
def request_password_reset(json_data):
    """Mail a password reset link, if an account has this address: the answer is the same
    either way."""
    verification.request_reset(json_data["email"])
    return "", 202


@bp.post("/auth/password-reset/confirm")
@bp.input(ResetConfirmIn)
@bp.output({}, status_code=204)
@bp.doc(responses={403: "passwords are turned off (PASSWORD_LOGIN=0: password_login_disabled)",
                   404: "unknown, used or expired token (invalid_token)",
                   422: "invalid new password"})
def confirm_password_reset(json_data):
    """Set a new password with the token of the mailed link; every session ends."""
    verification.confirm_reset(json_data["token"], json_data["new_password"])
    return ""


@bp.post("/auth/login")
@bp.input(LoginIn)
@bp.output(TokenOut)
@bp.doc(responses={200: "a session (access_token, also set as a cookie), or for an account "
                        "with two-step sign-in `{mfa_required: true, mfa_token, methods}` "
                        "and no cookie: finish with POST /auth/login/mfa",
                   401: "wrong email or password",
                   403: "the account is disabled (account_disabled), or passwords are turned "
                        "off (PASSWORD_LOGIN=0: password_login_disabled)",
                   429: "throttled"})
def login(json_data):
    """Start a session: a Bearer token, also set as an HttpOnly cookie; or, with two-step
    sign-in, the token of the second step."""
    result = accounts.login(json_data["email"], json_data["password"], client_address(),
                            request.user_agent.string)
    if isinstance(result, accounts.SecondStep):
        return {"mfa_required": True, "mfa_token": result.mfa_token,
                "methods": result.methods}
    return session_started(result)


def session_started(result: accounts.LoginResult):
    """The answer of a sign-in that made a session: its token, and the cookies."""
    response = jsonify(access_token=result.token, token_type="Bearer",  # noqa: S106
                       expires_in=result.expires_in)
    set_session_cookies(response, result.token, result.session, result.expires_in)
    return response


@bp.post("/auth/logout")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER)
def logout():
    """End this session; its token is refused from then on."""
    accounts.logout(current_session())
    return _signed_out()


@bp.get("/me")
@login_required
@bp.output(UserEnvelope)
@bp.doc(security=BEARER)
def me():
    """Who am I."""
    return {"user": user_json(require_user())}


@bp.patch("/me")
@login_required
@bp.input(ProfileIn)
@bp.output(UserEnvelope)
@bp.doc(security=BEARER, responses={403: "password missing (password_needed) or wrong "
                                         "(wrong_password): a new email needs it",
                                    409: "email taken", 422: "invalid field",
                                    429: "throttled"})
def update_me(json_data):
    """Change my name, my email (with my password; the new address is verified again and
    the old one told), or both."""
    user = accounts.update_profile(require_user(), json_data.get("name"),
                                   json_data.get("email"), json_data.get("password"))
    return {"user": user_json(user)}


@bp.put("/me/password")
@login_required
@bp.input(PasswordIn)
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: "current password wrong", 429: "throttled"})
def change_password(json_data):
    """Change the password; every older token is refused."""
    accounts.change_password(require_user(), json_data["current_password"],
                             json_data["new_password"])
    return _signed_out()


@bp.delete("/me")
@login_required
@bp.input(DeleteAccountIn)
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={403: "password wrong", 429: "throttled",
                                    409: "the last enabled admin while other accounts "
                                         "remain (last_admin)"})
def delete_account(json_data):
    """Delete my account, my files and my links (asks for the password)."""
    accounts.delete_account(require_user(), json_data["password"])
    return _signed_out()


@bp.post("/auth/logout-all")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER)
def logout_everywhere():
    """Sign out everywhere: every token of mine is refused from now on."""
    accounts.logout_everywhere(require_user())
    return _signed_out()


@bp.get("/me/sessions")
@login_required
@bp.output(SessionList)
@bp.doc(security=BEARER)
def list_sessions():
    """My signed-in sessions (devices), newest first."""
    mine = current_session()
    return {"sessions": [session_json(s, mine) for s in accounts.sessions_of(require_user())]}


@bp.delete("/me/sessions/<string(length=16):session_id>")
@login_required
@bp.output({}, status_code=204)
@bp.doc(security=BEARER, responses={404: "no such session of mine"})
def end_session(session_id):
    """Sign one of my sessions out."""
    accounts.end_session(require_user(), session_id)
    return ""
