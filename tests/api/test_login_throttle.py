"""The login policy (compartilha/throttle.py `login`, docs/security.md): an attacker is
throttled by address and by account and address; an account attacked from many
addresses is slowed down, never shut, so its owner still gets in."""

from datetime import timedelta

import pytest

from compartilha import counter_stores
from tests.helpers import error_code

ATTACKERS = 20  # RATELIMIT_LOGIN_ACCOUNT: failures from anywhere before the account is slowed


def login(client, email, password, addr):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def later(monkeypatch, seconds):
    """Move the counters' clock forward (the database store reads counter_stores.now)."""
    real = counter_stores.now
    monkeypatch.setattr(counter_stores, "now", lambda: real() + timedelta(seconds=seconds))


def test_the_eleventh_failure_from_one_address_is_refused(client, auth):
    owner = auth.register()
    for _ in range(10):
        assert login(client, owner.email, "wrong password", "203.0.113.9").status_code == 401
    blocked = login(client, owner.email, owner.password, "203.0.113.9")
    assert blocked.status_code == 429 and error_code(blocked) == "too_many_requests"
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # the owner, anywhere else, is not locked out
    assert login(client, owner.email, owner.password, "198.51.100.4").status_code == 200


def test_an_attack_from_many_addresses_slows_the_account_and_the_owner_still_gets_in(
        client, auth):
    owner = auth.register()
    attackers = [f"203.0.113.{n}" for n in range(1, ATTACKERS + 1)]
    for addr in attackers:
        assert login(client, owner.email, "guess", addr).status_code == 401
    # every address that failed on it lately now waits minutes between tries
    for addr in attackers:
        rv = login(client, owner.email, "another guess", addr)
        assert rv.status_code == 429
        assert 0 < int(rv.headers["Retry-After"]) <= 5 * 60
    # the right password from a new address is checked at once
    assert login(client, owner.email, owner.password, "198.51.100.4").status_code == 200


def test_the_owner_who_mistypes_during_an_attack_waits_minutes_not_fifteen(
        client, auth, monkeypatch):
    owner = auth.register()
    for n in range(1, ATTACKERS + 1):
        login(client, owner.email, "guess", f"203.0.113.{n}")
    home = "198.51.100.4"
    assert login(client, owner.email, "typo", home).status_code == 401
    rv = login(client, owner.email, owner.password, home)
    assert rv.status_code == 429 and int(rv.headers["Retry-After"]) <= 5 * 60
    later(monkeypatch, 5 * 60 + 1)
    assert login(client, owner.email, owner.password, home).status_code == 200


def test_a_slowed_account_still_limits_each_attacker_to_one_try_per_pause(
        client, auth, monkeypatch):
    owner = auth.register()
    for n in range(1, ATTACKERS + 1):
        login(client, owner.email, "guess", f"203.0.113.{n}")
    later(monkeypatch, 5 * 60 + 1)
    assert login(client, owner.email, "guess again", "203.0.113.1").status_code == 401
    assert login(client, owner.email, "and again", "203.0.113.1").status_code == 429


def test_slowing_one_account_does_not_touch_another(client, auth):
    target, other = auth.register(), auth.register()
    for n in range(1, ATTACKERS + 1):
        login(client, target.email, "guess", f"203.0.113.{n}")
    assert login(client, other.email, "typo", "203.0.113.1").status_code == 401
    assert login(client, other.email, other.password, "203.0.113.1").status_code == 200


def test_a_success_forgives_that_address_its_failures(client, auth):
    owner = auth.register()
    for _ in range(9):
        login(client, owner.email, "typo", "198.51.100.4")
    assert login(client, owner.email, owner.password, "198.51.100.4").status_code == 200
    for _ in range(9):
        assert login(client, owner.email, "typo", "198.51.100.4").status_code == 401


@pytest.mark.parametrize("variant", ["{}", "{} ", "{}".upper(), "ｃarol@example.com"])
def test_every_spelling_of_an_address_counts_as_that_account(client, auth, variant):
    carol = auth.register(email="carol@example.com")
    for _ in range(10):
        login(client, variant.format(carol.email), "guess", "203.0.113.9")
    assert login(client, carol.email, carol.password, "203.0.113.9").status_code == 429


def test_the_form_and_the_api_share_one_count(client, auth):
    owner = auth.register()
    for _ in range(10):
        login(client, owner.email, "guess", "203.0.113.9")
    rv = client.post("/login", data={"email": owner.email, "password": owner.password},
                     environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert rv.status_code == 429 and int(rv.headers["Retry-After"]) > 0
    assert "text/html" in rv.content_type
    assert "compartilha_session" not in rv.headers.get("Set-Cookie", "")
