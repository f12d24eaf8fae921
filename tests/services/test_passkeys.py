"""services.passkeys: registration and sign-in verified by py_webauthn against a software
authenticator (tests.webauthn_device), on SQLite and MariaDB."""

from __future__ import annotations

import pytest

from compartilha.errors import (
    AccountDisabled,
    ChallengeInvalid,
    InvalidCredentials,
    PasskeyNotFound,
    PasskeyRejected,
    SecondStepExpired,
    UserVerificationRequired,
)
from compartilha.extensions import db
from compartilha.models import Passkey, Session
from compartilha.models.columns import utcnow
from compartilha.services import accounts, challenges, passkeys
from tests.webauthn_device import Device

PARTY = passkeys.RelyingParty(id="localhost", origin="http://localhost")


def add(user, device: Device, name: str | None = None) -> Passkey:
    made = passkeys.registration_options(user, PARTY)
    return passkeys.register(user, PARTY, made.challenge, device.create(made.options), name)


def sign_in(device: Device, mfa_token: str | None = None):
    made = passkeys.login_options(PARTY, mfa_token)
    return passkeys.login(PARTY, made.challenge, device.get(made.options), "10.0.0.1", "ua",
                          mfa_token)


def test_options_exclude_the_accounts_passkeys_and_ask_for_a_discoverable_one(user):
    first = add(user, Device())
    options = passkeys.registration_options(user, PARTY).options
    assert options["rp"] == {"id": "localhost", "name": options["rp"]["name"]}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [c["id"] for c in options["excludeCredentials"]] == [first.credential_id]
    assert options["user"]["name"] == user.email


def test_several_passkeys_named_renamed_and_removed(user):
    one, two = add(user, Device()), add(user, Device(), "Meu celular")
    assert (one.name, two.name) == ("Passkey 1", "Meu celular")
    assert one.transports == "internal" and len(one.credential_hash) == 64
    passkeys.rename(user, one.id, "  Notebook ")
    assert [p.name for p in passkeys.listed(user.id)] == ["Notebook", "Meu celular"]
    passkeys.remove(user, one.id)
    assert [p.id for p in passkeys.listed(user.id)] == [two.id]
    with pytest.raises(PasskeyNotFound):
        passkeys.remove(user, one.id)


def test_another_accounts_passkey_is_not_found(user):
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    theirs = add(other, Device())
    with pytest.raises(PasskeyNotFound):
        passkeys.rename(user, theirs.id, "mine")
    with pytest.raises(PasskeyNotFound):
        passkeys.remove(user, theirs.id)


def test_a_registration_challenge_is_used_once_and_only_by_its_account(user):
    made = passkeys.registration_options(user, PARTY)
    device = Device()
    passkeys.register(user, PARTY, made.challenge, device.create(made.options))
    with pytest.raises(ChallengeInvalid):
        passkeys.register(user, PARTY, made.challenge, Device().create(made.options))
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    made = passkeys.registration_options(user, PARTY)
    with pytest.raises(ChallengeInvalid):
        passkeys.register(other, PARTY, made.challenge, Device().create(made.options))


@pytest.mark.parametrize("wrong", [{"rp_id": "evil.example"},
                                   {"origin": "http://evil.example"}])
def test_an_answer_for_another_site_is_rejected(user, wrong):
    made = passkeys.registration_options(user, PARTY)
    with pytest.raises(PasskeyRejected):
        passkeys.register(user, PARTY, made.challenge, Device(**wrong).create(made.options))
    assert passkeys.listed(user.id) == []


def test_usernameless_sign_in_starts_a_passkey_session(user):
    device = Device()
    key = add(user, device)
    options = passkeys.login_options(PARTY).options
    assert "allowCredentials" not in options or options["allowCredentials"] == []
    result = sign_in(device)
    assert result.user.id == user.id and result.session.method == "passkey"
    db.session.refresh(key)
    assert key.sign_count == device.count and key.last_used_at is not None


def test_unknown_credential_answers_as_a_wrong_password(user):
    with pytest.raises(InvalidCredentials) as caught:
        sign_in(Device())
    assert caught.value.message == InvalidCredentials.message


def test_a_replayed_or_cloned_counter_is_refused(user):
    device = Device()
    add(user, device)
    sign_in(device)
    device.count -= 1  # a clone that has signed less
    with pytest.raises(InvalidCredentials):
        sign_in(device)


def test_a_signature_by_another_key_is_refused(user):
    device = Device()
    add(user, device)
    impostor = Device(credential_id=device.credential_id, count=10)
    with pytest.raises(InvalidCredentials):
        sign_in(impostor)


def test_a_disabled_account_is_told_so(user):
    device = Device()
    add(user, device)
    user.disabled_at = utcnow()
    db.session.commit()
    with pytest.raises(AccountDisabled):
        sign_in(device)


def test_a_passkey_alone_must_verify_its_holder_but_may_be_a_second_step(user):
    device = Device(verifies=False)
    add(user, device)
    with pytest.raises(UserVerificationRequired):
        sign_in(device)
    token = challenges.issue("mfa", 300, user.id)
    options = passkeys.login_options(PARTY, token).options
    assert [c["id"] for c in options["allowCredentials"]] == [
        passkeys.listed(user.id)[0].credential_id]
    assert sign_in(device, token).session.method == "password+passkey"
    assert challenges.peek("mfa", token) is None  # used up
    with pytest.raises(SecondStepExpired):
        sign_in(device, token)


def test_the_second_step_needs_that_accounts_passkey(user):
    other = accounts.register("Bia", "bia@example.com", "correct horse")
    theirs = Device()
    add(other, theirs)
    token = challenges.issue("mfa", 300, user.id)
    made = passkeys.login_options(PARTY)  # usernameless options, someone else's key
    with pytest.raises(InvalidCredentials):
        passkeys.login(PARTY, made.challenge, theirs.get(made.options), "", "", token)
    assert challenges.peek("mfa", token) is not None  # still usable with the right one
    assert db.session.query(Session).count() == 0


def test_an_authenticator_that_keeps_no_count_signs_in_again(user):
    device = Device(counts=False)
    add(user, device)
    assert sign_in(device).session.method == "passkey"
    assert sign_in(device).session.method == "passkey"
