"""services.two_step: a code app's secret (stored encrypted), codes accepted once, recovery
codes, the per-account throttle, and login's second step (services.accounts)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest

from compartilha.errors import (
    AccountDisabled,
    SecondStepExpired,
    TooManyRequests,
    TwoStepState,
    WrongCode,
    WrongPassword,
)
from compartilha.extensions import db
from compartilha.models import Challenge, Passkey, RecoveryCode, User
from compartilha.models.columns import utcnow
from compartilha.services import accounts, challenges, two_step
from compartilha.services.throttle import Rate

from .conftest import PASSWORD


class Clock:
    """The TOTP step the service sees, moved by the test."""

    def __init__(self) -> None:
        self.step = 1_000_000

    def code(self, secret: str, offset: int = 0) -> str:
        return pyotp.TOTP(secret).generate_otp(self.step + offset)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(two_step, "current_step", lambda: found.step)
    return found


def enrolled(user: User, clock: Clock) -> tuple[str, list[str]]:
    """Two-step sign-in on for `user`: its secret and recovery codes."""
    secret = two_step.enrol(user).secret
    codes = two_step.confirm(user, clock.code(secret))
    clock.step += 1
    return secret, codes


def test_enrolment_gives_a_uri_and_qr_and_stores_the_secret_encrypted(user):
    enrolment = two_step.enrol(user)
    assert enrolment.uri.startswith("otpauth://totp/Compartilha:ana%40example.com?")
    assert f"secret={enrolment.secret}" in enrolment.uri and "issuer=Compartilha" in enrolment.uri
    assert enrolment.qr_svg.lstrip().startswith("<svg")
    stored = db.session.get(User, user.id).totp_secret
    assert stored and enrolment.secret not in stored
    assert not two_step.enabled(user) and not two_step.needed(user)
    assert two_step.pending(user).secret == enrolment.secret


def test_confirming_turns_it_on_with_ten_recovery_codes_stored_as_hashes(user, clock):
    secret, codes = enrolled(user, clock)
    assert two_step.enabled(user) and two_step.needed(user)
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{2}", c) for c in codes)
    hashes = {row.code_hash for row in db.session.query(RecoveryCode).filter_by(user_id=user.id)}
    assert hashes == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert two_step.methods(user) == ["totp", "recovery"]
    with pytest.raises(TwoStepState):
        two_step.enrol(user)


def test_a_wrong_first_code_does_not_turn_it_on(user, clock):
    secret = two_step.enrol(user).secret
    with pytest.raises(WrongCode):
        two_step.confirm(user, "000000" if clock.code(secret) != "000000" else "111111")
    assert not two_step.enabled(user)


def test_a_code_is_accepted_once_and_an_older_one_never(user, clock):
    secret, _ = enrolled(user, clock)
    code = clock.code(secret)
    assert two_step.check(user, code) == "totp"
    with pytest.raises(WrongCode):
        two_step.check(user, code)  # the same code again, in its window
    with pytest.raises(WrongCode):
        two_step.check(user, clock.code(secret, -1))  # the step before: older
    assert two_step.check(user, clock.code(secret, +1)) == "totp"  # the next window
    with pytest.raises(WrongCode):
        two_step.check(user, clock.code(secret, +3))  # too far ahead


def test_a_recovery_code_works_once_in_any_spelling(user, clock):
    _, codes = enrolled(user, clock)
    assert two_step.check(user, " " + codes[0].upper().replace("-", " ") + " ") == "recovery"
    assert two_step.recovery_left(user) == 9
    with pytest.raises(WrongCode):
        two_step.check(user, codes[0])
    assert two_step.check(user, codes[1], recovery=True) == "recovery"
    with pytest.raises(WrongCode):
        two_step.check(user, codes[2], recovery=False)


def test_wrong_codes_are_throttled_per_account_and_right_ones_give_back(app, user, clock):
    secret, _ = enrolled(user, clock)
    app.extensions["compartilha.throttle"][1]["two-step"] = Rate(3, 900)
    assert two_step.check(user, clock.code(secret)) == "totp"  # given back
    for _ in range(3):
        with pytest.raises(WrongCode):
            two_step.check(user, "12345x")
    with pytest.raises(TooManyRequests):
        two_step.check(user, clock.code(secret, +1))  # even the right one now


def test_regenerating_needs_a_code_and_replaces_the_codes(user, clock):
    secret, old = enrolled(user, clock)
    with pytest.raises(WrongCode):
        two_step.regenerate(user, old[0])  # a code from the app, not a recovery code
    new = two_step.regenerate(user, clock.code(secret))
    assert set(new).isdisjoint(old) and two_step.recovery_left(user) == 10
    with pytest.raises(WrongCode):
        two_step.check(user, old[1])


def test_disabling_needs_the_password_and_a_code(user, clock):
    secret, codes = enrolled(user, clock)
    with pytest.raises(WrongPassword):
        accounts.disable_two_step(user, "wrong password", clock.code(secret))
    with pytest.raises(WrongCode):
        accounts.disable_two_step(user, PASSWORD, "999999x")
    assert two_step.enabled(user)
    accounts.disable_two_step(user, PASSWORD, codes[0])
    assert not two_step.enabled(user) and user.totp_secret is None
    assert db.session.query(RecoveryCode).filter_by(user_id=user.id).count() == 0
    with pytest.raises(TwoStepState):
        two_step.disable(user, clock.code(secret, +1))


def test_a_passkey_alone_makes_a_second_step_needed(user, clock):
    db.session.add(Passkey(user_id=user.id, name="phone", credential_id="x",
                           credential_hash="0" * 64, public_key="k"))
    db.session.commit()
    assert two_step.needed(user) and two_step.methods(user) == ["passkey"]
    # an enrolment begun and not confirmed is no second step
    secret = two_step.enrol(user).secret
    with pytest.raises(WrongCode):
        two_step.check(user, clock.code(secret))


def test_login_asks_for_the_second_step_then_a_code_makes_the_session(user, clock):
    secret, _ = enrolled(user, clock)
    step = accounts.login("ana@example.com", PASSWORD, "127.0.0.1", "pytest")
    assert isinstance(step, accounts.SecondStep) and step.methods == ["totp", "recovery"]
    assert db.session.query(accounts.Session).count() == 0
    with pytest.raises(WrongCode):
        accounts.login_with_code(step.mfa_token, "000000x")
    result = accounts.login_with_code(step.mfa_token, clock.code(secret), "127.0.0.1", "pytest")
    assert result.session.method == "password+totp" and result.token
    with pytest.raises(SecondStepExpired):  # used up
        accounts.login_with_code(step.mfa_token, clock.code(secret, +1))


def test_the_second_step_expires_and_refuses_a_disabled_account(user, clock):
    secret, codes = enrolled(user, clock)
    step = accounts.login("ana@example.com", PASSWORD)
    row = db.session.get(Challenge, hashlib.sha256(step.mfa_token.encode()).hexdigest())
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(SecondStepExpired):
        accounts.login_with_code(step.mfa_token, clock.code(secret))
    step = accounts.login("ana@example.com", PASSWORD)
    user.disabled_at = utcnow()
    db.session.commit()
    with pytest.raises(AccountDisabled):
        accounts.login_with_code(step.mfa_token, codes[0])
    assert challenges.peek("mfa", "not a token") is None


def test_an_admin_can_remove_it(user, clock):
    from compartilha.services import admin

    enrolled(user, clock)
    boss = accounts.register("Boss", "boss@example.com", PASSWORD, admin=True)
    admin.change(boss, user.id, remove_two_step=True)
    assert not two_step.enabled(db.session.get(User, user.id))
