"""Two-step sign-in through the API: /me/totp, login's second step (/auth/login/mfa),
an admin's requirement for everyone, and an admin removing it."""

from __future__ import annotations

import pyotp
import pytest

from compartilha.extensions import db
from compartilha.models import Session
from compartilha.services import two_step
from tests.helpers import error_code

LOGIN, MFA = "/api/v1/auth/login", "/api/v1/auth/login/mfa"


class Clock:
    def __init__(self) -> None:
        self.step = 2_000_000

    def code(self, secret: str, offset: int = 0) -> str:
        return pyotp.TOTP(secret).generate_otp(self.step + offset)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(two_step, "current_step", lambda: found.step)
    return found


def enrol(client, account, clock) -> tuple[str, list[str]]:
    rv = client.post("/api/v1/me/totp", headers=account.headers)
    assert rv.status_code == 200, rv.get_json()
    secret = rv.get_json()["secret"]
    assert rv.get_json()["otpauth_uri"].startswith("otpauth://totp/")
    rv = client.post("/api/v1/me/totp/confirm", headers=account.headers,
                     json={"code": clock.code(secret)})
    assert rv.status_code == 200, rv.get_json()
    clock.step += 1
    return secret, rv.get_json()["recovery_codes"]


def second_step(client, account) -> dict:
    rv = client.post(LOGIN, json={"email": account.email, "password": account.password})
    assert rv.status_code == 200, rv.get_json()
    body = rv.get_json()
    assert body["mfa_required"] is True and "access_token" not in body
    assert "compartilha_session" not in rv.headers.get("Set-Cookie", "")
    return body


def test_enrol_then_sign_in_with_a_code(app, client, auth, clock):
    account = auth.user()
    secret, codes = enrol(client, account, clock)
    assert len(codes) == 10
    state = client.get("/api/v1/me/totp", headers=account.headers).get_json()
    assert state == {"enabled": True, "pending": False, "recovery_codes_left": 10,
                     "required": False}
    body = second_step(client, account)
    assert body["methods"] == ["totp", "recovery"]
    rv = client.post(MFA, json={"mfa_token": body["mfa_token"], "code": clock.code(secret)})
    assert rv.status_code == 200, rv.get_json()
    token = rv.get_json()["access_token"]
    assert "compartilha_session" in rv.headers.get("Set-Cookie", "")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.app_context():
        methods = sorted(s.method for s in db.session.query(Session))  # same second
    assert methods == ["password", "password+totp"]
    # the token is used up
    rv = client.post(MFA, json={"mfa_token": body["mfa_token"], "code": clock.code(secret, 1)})
    assert rv.status_code == 401 and error_code(rv) == "mfa_token_invalid"


def test_the_same_code_twice_in_its_window_is_refused(client, auth, clock):
    account = auth.user()
    secret, _ = enrol(client, account, clock)
    code = clock.code(secret)
    first = second_step(client, account)["mfa_token"]
    assert client.post(MFA, json={"mfa_token": first, "code": code}).status_code == 200
    again = second_step(client, account)["mfa_token"]
    rv = client.post(MFA, json={"mfa_token": again, "code": code})
    assert rv.status_code == 403 and error_code(rv) == "wrong_code"


def test_a_recovery_code_signs_in_once(client, auth, clock):
    account = auth.user()
    _, codes = enrol(client, account, clock)
    token = second_step(client, account)["mfa_token"]
    assert client.post(MFA, json={"mfa_token": token, "code": codes[3]}).status_code == 200
    token = second_step(client, account)["mfa_token"]
    rv = client.post(MFA, json={"mfa_token": token, "code": codes[3]})
    assert rv.status_code == 403 and error_code(rv) == "wrong_code"
    left = client.get("/api/v1/me/totp", headers=account.headers).get_json()
    assert left["recovery_codes_left"] == 9


def test_wrong_codes_keep_the_token_until_the_throttle_stops_them(client, auth, clock):
    account = auth.user()
    secret, _ = enrol(client, account, clock)
    token = second_step(client, account)["mfa_token"]
    statuses = [client.post(MFA, json={"mfa_token": token, "code": "000000x"}).status_code
                for _ in range(6)]
    assert statuses == [403] * 5 + [429]  # RATELIMIT_TWO_STEP: 5 per 15 minutes
    rv = client.post(MFA, json={"mfa_token": token, "code": clock.code(secret)})
    assert rv.status_code == 429 and "Retry-After" in rv.headers


def test_disable_needs_password_and_code(client, auth, clock):
    account = auth.user()
    secret, _ = enrol(client, account, clock)
    rv = client.delete("/api/v1/me/totp", headers=account.headers,
                       json={"password": "not it at all", "code": clock.code(secret)})
    assert rv.status_code == 403 and error_code(rv) == "wrong_password"
    rv = client.delete("/api/v1/me/totp", headers=account.headers,
                       json={"password": account.password, "code": "123"})
    assert rv.status_code == 403 and error_code(rv) == "wrong_code"
    rv = client.delete("/api/v1/me/totp", headers=account.headers,
                       json={"password": account.password, "code": clock.code(secret)})
    assert rv.status_code == 204
    assert "access_token" in client.post(LOGIN, json={
        "email": account.email, "password": account.password}).get_json()


def test_confirm_without_enrolment_and_enrol_twice_are_conflicts(client, auth, clock):
    account = auth.user()
    rv = client.post("/api/v1/me/totp/confirm", headers=account.headers, json={"code": "1"})
    assert rv.status_code == 409 and error_code(rv) == "two_step_state"
    enrol(client, account, clock)
    rv = client.post("/api/v1/me/totp", headers=account.headers)
    assert rv.status_code == 409


def test_new_recovery_codes_need_a_code(client, auth, clock):
    account = auth.user()
    secret, old = enrol(client, account, clock)
    rv = client.post("/api/v1/me/totp/recovery-codes", headers=account.headers,
                     json={"code": clock.code(secret)})
    assert rv.status_code == 200
    assert set(rv.get_json()["recovery_codes"]).isdisjoint(old)


def test_an_admin_requirement_blocks_accounts_without_two_step(client, auth, clock):
    boss = auth.user(name="Boss")  # the first account is the admin
    user = auth.user()
    rv = client.patch("/api/v1/admin/settings", headers=boss.headers,
                      json={"require_two_step": True})
    assert rv.status_code == 200 and rv.get_json()["require_two_step"] is True
    rv = client.get("/api/v1/files", headers=user.headers)
    assert rv.status_code == 403 and error_code(rv) == "two_step_required"
    assert client.get("/api/v1/me", headers=user.headers).status_code == 200
    secret, _ = enrol(client, user, clock)  # the enrolment routes stay open
    token = second_step(client, user)["mfa_token"]
    user.token = client.post(MFA, json={"mfa_token": token,
                                        "code": clock.code(secret)}).get_json()["access_token"]
    assert client.get("/api/v1/files", headers=user.headers).status_code == 200


def test_an_admin_removes_a_users_two_step(client, auth, clock):
    boss = auth.user(name="Boss")
    user = auth.user()
    enrol(client, user, clock)
    listed = client.get("/api/v1/admin/users", headers=boss.headers).get_json()["users"]
    me = next(u for u in listed if u["email"] == user.email)
    assert me["two_step"] is True
    rv = client.patch(f"/api/v1/admin/users/{me['id']}", headers=boss.headers,
                      json={"two_step": False})
    assert rv.status_code == 200 and rv.get_json()["user"]["two_step"] is False
    assert "access_token" in client.post(LOGIN, json={
        "email": user.email, "password": user.password}).get_json()
    rv = client.patch(f"/api/v1/admin/users/{me['id']}", headers=boss.headers,
                      json={"two_step": True})
    assert rv.status_code == 422


def test_single_sign_on_sessions_are_exempt_from_the_requirement(app, client, auth):
    from compartilha.models import User
    from compartilha.services import accounts

    boss = auth.user(name="Boss")
    client.patch("/api/v1/admin/settings", headers=boss.headers,
                 json={"require_two_step": True})
    user = auth.user()
    with app.test_request_context():
        someone = db.session.query(User).filter_by(email=user.email).one()
        for_sso = accounts.start_session(someone, method="oidc").token
    assert client.get("/api/v1/files", headers=user.headers).status_code == 403
    rv = client.get("/api/v1/files", headers={"Authorization": f"Bearer {for_sso}"})
    assert rv.status_code == 200
