import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from compartilha import config, crypto


def test_hash_is_self_describing_salted_and_verifies():
    one = crypto.hash_password("correct horse", 2**4)
    two = crypto.hash_password("correct horse", 2**4)
    assert one.startswith("scrypt$n=16,r=8,p=1$")
    assert one != two  # per-user random salt
    assert crypto.verify_password("correct horse", one)
    assert not crypto.verify_password("correct horsE", one)


def test_needs_rehash_when_cost_changes():
    stored = crypto.hash_password("pw", 2**4)
    assert not crypto.needs_rehash(stored, 2**4)
    assert crypto.needs_rehash(stored, 2**5)


def test_production_cost_is_owasp_scrypt():
    assert config.VARIABLES["SCRYPT_N"][0] == str(2**17)
    started = time.perf_counter()
    stored = crypto.hash_password("correct horse battery", 2**17)
    elapsed = time.perf_counter() - started
    assert stored.startswith("scrypt$n=131072,r=8,p=1$")
    assert crypto.verify_password("correct horse battery", stored)
    assert elapsed < 5


def test_rehash_on_login_when_cost_changes(app, client, auth):
    from compartilha.extensions import db
    from compartilha.models import User

    account = auth.register()
    app.config["SCRYPT_N"] = 2**5
    auth.login(account)
    with app.app_context():
        stored = db.session.query(User).one().password_hash
    assert stored.startswith("scrypt$n=32,")


KEY = "k" * 64
KEYS = crypto.signing_keys(KEY)
NOW = datetime.now(UTC)


def _token(key=KEY, algorithm="HS256", headers=None, **changes):
    payload = {"sub": "1", "jti": "abc", "iat": NOW, "exp": NOW + timedelta(hours=1),
               "iss": "compartilha", "aud": "compartilha"}
    payload.update(changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    headers = {"typ": "JWT", "kid": crypto.key_id(KEY), **(headers or {})}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def test_token_roundtrip():
    token = crypto.issue_token(KEYS, 7, "jti1", NOW, NOW + timedelta(hours=1))
    claims = crypto.decode_token(KEYS, token)
    assert claims.user_id == 7 and claims.jti == "jti1"
    assert jwt.get_unverified_header(token)["kid"] == KEYS[0][0]


def test_key_rotation_signs_with_newest_and_verifies_older():
    old, new = "o" * 64, "n" * 64
    before = crypto.signing_keys(KEY, old)
    rotated = crypto.signing_keys(KEY, f"{new},{old}")
    old_token = crypto.issue_token(before, 1, "a", NOW, NOW + timedelta(hours=1))
    new_token = crypto.issue_token(rotated, 1, "b", NOW, NOW + timedelta(hours=1))
    assert jwt.get_unverified_header(new_token)["kid"] == crypto.key_id(new)
    assert crypto.decode_token(rotated, old_token).jti == "a"
    assert crypto.decode_token(rotated, new_token).jti == "b"
    removed = crypto.signing_keys(KEY, new)
    with pytest.raises(jwt.InvalidTokenError):
        crypto.decode_token(removed, old_token)


def test_short_token_keys_refused():
    with pytest.raises(RuntimeError):
        crypto.signing_keys(KEY, "short")


@pytest.mark.parametrize("token", [
    _token(exp=NOW - timedelta(minutes=5)),                # expired beyond the leeway
    _token(iat=NOW + timedelta(hours=2)),                  # issued in the future
    _token(sub=None), _token(jti=None), _token(iat=None), _token(exp=None),
    _token(iss=None), _token(aud=None),
    _token(aud="other"), _token(iss="other"), _token(sub="abc"), _token(sub=5),
    _token(key="wrong" * 10),                              # forged signature
    _token(key=None, algorithm="none"),                    # alg=none
    _token(algorithm="HS512"),                             # not on the allow-list
    _token(headers={"kid": "unknown"}),
    _token(headers={"typ": "at+jwt"}),
    "not.a.token", "",
])
def test_bad_tokens_refused(token):
    with pytest.raises(jwt.InvalidTokenError):
        crypto.decode_token(KEYS, token)


def test_small_clock_skew_is_tolerated():
    now = datetime.now(UTC)  # not the import-time NOW: the suite takes minutes
    token = _token(iat=now + timedelta(seconds=10), exp=now - timedelta(seconds=10))
    assert crypto.decode_token(KEYS, token).user_id == 1


def test_a_verified_token_is_not_decoded_again(monkeypatch):
    token = crypto.issue_token(KEYS, 3, "cached", NOW, NOW + timedelta(hours=1))
    assert crypto.decode_token(KEYS, token).jti == "cached"
    calls = []
    real = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(3):
        assert crypto.decode_token(KEYS, token).user_id == 3
    assert calls == []
    # other keys: verified again (a removed key must not keep its tokens valid)
    with pytest.raises(jwt.InvalidTokenError):
        crypto.decode_token(crypto.signing_keys("z" * 64), token)


def test_a_remembered_token_still_expires(monkeypatch):
    now = datetime.now(UTC)
    token = crypto.issue_token(KEYS, 4, "expiring", now, now + timedelta(seconds=5))
    assert crypto.decode_token(KEYS, token).jti == "expiring"
    monkeypatch.setattr(crypto, "_now", lambda: now + timedelta(seconds=5 + 31))
    with pytest.raises(jwt.ExpiredSignatureError):
        crypto.decode_token(KEYS, token)
