import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from compartilha import config, security


def test_hash_is_self_describing_salted_and_verifies():
    one = security.hash_password("correct horse", 2**4)
    two = security.hash_password("correct horse", 2**4)
    assert one.startswith("scrypt$n=16,r=8,p=1$")
    assert one != two  # per-user random salt
    assert security.verify_password("correct horse", one)
    assert not security.verify_password("correct horsE", one)


def test_needs_rehash_when_cost_changes():
    stored = security.hash_password("pw", 2**4)
    assert not security.needs_rehash(stored, 2**4)
    assert security.needs_rehash(stored, 2**5)


def test_production_cost_is_owasp_scrypt():
    assert config.VARIABLES["SCRYPT_N"][0] == str(2**17)
    started = time.perf_counter()
    stored = security.hash_password("correct horse battery", 2**17)
    elapsed = time.perf_counter() - started
    assert stored.startswith("scrypt$n=131072,r=8,p=1$")
    assert security.verify_password("correct horse battery", stored)
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
NOW = datetime.now(UTC)


def _token(**changes):
    payload = {"sub": "1", "jti": "abc", "iat": NOW, "exp": NOW + timedelta(hours=1),
               "iss": "compartilha", "aud": "compartilha"}
    payload.update(changes)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, KEY, algorithm="HS256", headers={"typ": "JWT"})


def test_token_roundtrip():
    token = security.issue_token(KEY, 7, "jti1", NOW, NOW + timedelta(hours=1))
    claims = security.decode_token(KEY, token)
    assert claims.user_id == 7 and claims.jti == "jti1"


@pytest.mark.parametrize("token", [
    _token(exp=NOW - timedelta(minutes=5)),
    _token(sub=None), _token(jti=None), _token(iat=None), _token(exp=None),
    _token(aud="other"), _token(iss="other"), _token(sub="abc"),
    jwt.encode({"sub": "1", "jti": "a", "iat": NOW, "exp": NOW + timedelta(hours=1),
                "iss": "compartilha", "aud": "compartilha"}, "wrong" * 10, algorithm="HS256"),
    jwt.encode({"sub": "1", "jti": "a", "iat": NOW, "exp": NOW + timedelta(hours=1),
                "iss": "compartilha", "aud": "compartilha"}, None, algorithm="none"),
    jwt.encode({"sub": "1", "jti": "a", "iat": NOW, "exp": NOW + timedelta(hours=1),
                "iss": "compartilha", "aud": "compartilha"}, KEY, algorithm="HS512"),
])
def test_bad_tokens_refused(token):
    with pytest.raises(jwt.InvalidTokenError):
        security.decode_token(KEY, token)
