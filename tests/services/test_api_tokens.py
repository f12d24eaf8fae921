"""services.api_tokens on its own: the secret's format and what is stored of it, the
checks of a new token, authentication, the once-a-minute last use, and revocations by
session and by account."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from compartilha.errors import InvalidField, NotAuthenticated
from compartilha.extensions import db
from compartilha.models import ApiToken, Session
from compartilha.models.columns import utcnow
from compartilha.services import accounts, api_tokens, audit_entries


def test_a_secret_is_cmp_and_256_bits_of_base64url_and_only_its_hash_is_kept(user):
    token, secret = api_tokens.create(user, "  my   script ", ["files:read"])
    assert re.fullmatch(api_tokens.FORMAT, secret) and len(secret) == 47
    assert token.name == "my script" and token.hint == secret[:10]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = db.session.get(ApiToken, token.id)
    assert secret not in (row.name, row.hint, row.token_hash, row.scopes)
    other = {api_tokens.new_secret() for _ in range(50)}
    assert len(other) == 50


def test_a_new_token_is_checked_field_by_field(user):
    with pytest.raises(InvalidField) as caught:
        api_tokens.create(user, "", [], datetime.now(UTC) - timedelta(minutes=1))
    assert {p.field for p in caught.value.problems} == {"name", "scopes", "expires_at"}
    with pytest.raises(InvalidField):
        api_tokens.create(user, "x", ["files:read", "files:delete"])
    with pytest.raises(InvalidField):
        api_tokens.create(user, "x" * 101, ["files:read"])
    token, _ = api_tokens.create(user, "x" * 100, ["account:read", "files:read", "files:read"])
    assert api_tokens.scopes_of(token) == ["files:read", "account:read"]  # ordered, once
    assert db.session.query(ApiToken).count() == 1


def test_authenticate(user):
    token, secret = api_tokens.create(user, "t", ["files:read"])
    found_user, found = api_tokens.authenticate(secret, "10.1.1.1")
    assert (found_user.id, found.id) == (user.id, token.id)
    for wrong in ("", "cmp_", secret[:-1], "x" + secret[1:], secret + " ", "Bearer " + secret):
        with pytest.raises(NotAuthenticated):
            api_tokens.authenticate(wrong, "10.1.1.1")
    api_tokens.revoke(user.id, token.id)
    with pytest.raises(NotAuthenticated):
        api_tokens.authenticate(secret, "10.1.1.1")


def test_last_use_once_a_minute(user):
    token, secret = api_tokens.create(user, "t", ["files:read"])
    api_tokens.authenticate(secret, "10.0.0.1")
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None and db.session.get(ApiToken, token.id).last_used_ip == "10.0.0.1"
    api_tokens.authenticate(secret, "10.0.0.2")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_ip == "10.0.0.1"
    db.session.get(ApiToken, token.id).last_used_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    api_tokens.authenticate(secret, "10.0.0.2")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_ip == "10.0.0.2"


def test_revoking_by_session_touches_only_those_sessions_tokens(user):
    here = accounts.start_session(user).session
    there = accounts.start_session(user).session
    old = accounts.start_session(user).session
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    api_tokens.create(user, "here", ["files:read"], session_jti=here.jti)
    api_tokens.create(user, "there", ["files:read"], session_jti=there.jti)
    api_tokens.create(user, "old", ["files:read"], session_jti=old.jti)
    assert set(api_tokens.live_session_jtis(user.id)) == {here.jti, there.jti}
    assert accounts.logout_others(user, here) == 2  # `old` is counted as ended, expired
    live = {t.name for t in api_tokens.list_for(user.id) if t.revoked_at is None}
    assert live == {"here", "old"}
    accounts.logout(db.session.get(Session, here.jti))  # a plain sign-out keeps it
    assert {t.name for t in api_tokens.list_for(user.id)} == {"here", "old"}
    assert api_tokens.revoke_all(user.id) == 2
    assert api_tokens.list_for(user.id) == []


def test_an_expired_token_is_listed_flagged_and_refused(user):
    token, secret = api_tokens.create(user, "t", ["files:read"],
                                      datetime.now(UTC) + timedelta(days=1))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert [t.id for t in api_tokens.list_for(user.id)] == [token.id]
    with pytest.raises(NotAuthenticated):
        api_tokens.authenticate(secret)
    assert api_tokens.expiry_in(None) is None
    assert 29 <= (api_tokens.expiry_in(30) - utcnow()).days <= 30


def test_the_audit_rows_hold_no_secret(user):
    token, secret = api_tokens.create(user, "t", ["files:read"])
    row = audit_entries.entry("token.created", {"user_id": user.id, "token_id": token.id,
                                                 "label": "t", "scopes": "files:read",
                                                 "secret": secret, "token": secret})
    assert row is not None and row.target == f"token:{token.id}"
    assert secret not in (row.details or "") and "files:read" in (row.details or "")
    assert audit_entries.entry("token.revoked", {"user_id": user.id, "token_id": 1}) is not None
