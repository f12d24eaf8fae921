"""services.oidc without a provider: the id_token checks, against a key set of the test's
own (the whole flow against a real provider: tests/web/test_oidc.py)."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from compartilha import crypto
from compartilha.errors import SsoFailed, SsoNotConfigured
from compartilha.services import oidc

ISSUER, CLIENT = "https://id.example", "compartilha"
DOC = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks", "authorization_endpoint": "",
       "token_endpoint": "", "id_token_signing_alg_values_supported": ["RS256"]}
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


@pytest.fixture
def keys(app):
    app.config.update(OIDC_ISSUER=ISSUER, OIDC_CLIENT_ID=CLIENT)
    oidc.forget_cache()
    oidc._cache[f"jwks:{DOC['jwks_uri']}"] = (time.monotonic(), {  # noqa: SLF001
        "keys": [KEY.as_dict(private=False)]})
    with app.app_context():
        yield
    oidc.forget_cache()


def token(key=KEY, alg="RS256", **changes):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u1", "iat": now, "exp": now + 300,
              "nonce": "n1", **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "k1"}, claims, key)


def test_a_good_id_token_gives_its_claims(keys):
    assert oidc.verify_id_token(DOC, token(email="a@example.com"), "n1")["email"] \
        == "a@example.com"


@pytest.mark.parametrize("changes", [
    {"nonce": "another"}, {"nonce": None}, {"iss": "https://evil.example"},
    {"aud": "another-client"}, {"exp": int(time.time()) - 3600}, {"sub": None},
    {"aud": [CLIENT, "another-client"]},  # several audiences and no azp naming us
])
def test_a_wrong_claim_is_refused(keys, changes):
    with pytest.raises(SsoFailed):
        oidc.verify_id_token(DOC, token(**changes), "n1")


def test_another_key_or_a_shared_secret_is_refused(keys):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    with pytest.raises(SsoFailed):
        oidc.verify_id_token(DOC, token(key=stranger), "n1")
    secret = OctKey.import_key("a-secret-anyone-with-the-client-secret-knows-012345")
    with pytest.raises(SsoFailed):
        oidc.verify_id_token(DOC, token(key=secret, alg="HS256"), "n1")
    with pytest.raises(SsoFailed):
        oidc.verify_id_token(DOC, "not.a.token", "n1")


def test_nothing_starts_without_an_issuer(app):
    with app.app_context(), pytest.raises(SsoNotConfigured):
        oidc.discovery()


def test_no_password_matches_an_account_without_one():
    assert not crypto.has_password(crypto.NO_PASSWORD)
    for guess in ("", "!", "password", crypto.NO_PASSWORD):
        assert not crypto.verify_password(guess, crypto.NO_PASSWORD)
    assert not crypto.needs_rehash(crypto.NO_PASSWORD, 2**4)
