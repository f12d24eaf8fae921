"""services.challenges: single-use, expiring sign-in steps stored as hashes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from compartilha.extensions import db
from compartilha.models import Challenge
from compartilha.models.columns import utcnow
from compartilha.services import challenges


def test_only_the_hash_is_stored_and_the_data_comes_back_once(user):
    token = challenges.issue("mfa", 300, user.id, {"next": "/files"})
    row = db.session.get(Challenge, hashlib.sha256(token.encode()).hexdigest())
    assert row is not None and token not in row.data
    assert challenges.peek("mfa", token) == challenges.Taken(user.id, {"next": "/files"})
    assert challenges.take("mfa", token) == challenges.Taken(user.id, {"next": "/files"})
    assert challenges.take("mfa", token) is None
    assert challenges.peek("mfa", token) is None


def test_another_purpose_neither_reads_nor_uses_it(user):
    token = challenges.issue("mfa", 300, user.id)
    assert challenges.take("webauthn", token) is None
    assert challenges.peek("webauthn", token) is None
    assert challenges.take("mfa", token) is not None


def test_an_expired_step_is_refused_and_purged(user):
    token = challenges.issue("mfa", 300, user.id)
    old = challenges.issue("mfa", 300, user.id)
    db.session.get(Challenge, hashlib.sha256(old.encode()).hexdigest()).expires_at = (
        utcnow() - timedelta(seconds=1))
    db.session.commit()
    assert challenges.peek("mfa", old) is None
    assert challenges.purge() == 1
    assert challenges.take("mfa", old) is None
    assert challenges.take("mfa", token) is not None


def test_unknown_empty_and_overlong_tokens_are_refused(user):
    assert challenges.take("mfa", "") is None
    assert challenges.take("mfa", "x" * 129) is None
    assert challenges.take("mfa", "nothing-like-it") is None


def test_a_users_pending_steps_can_be_dropped(user):
    token = challenges.issue("mfa", 300, user.id)
    other = challenges.issue("oidc", 300, None, {"nonce": "n"})
    assert challenges.forget_user(user.id) == 1
    db.session.commit()
    assert challenges.take("mfa", token) is None
    assert challenges.take("oidc", other) == challenges.Taken(None, {"nonce": "n"})
