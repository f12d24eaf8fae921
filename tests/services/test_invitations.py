"""services.invitations: tokens stored hashed, who may invite, listing, revoking, and
the conditional UPDATE that uses an invitation once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from compartilha.errors import (
    AdminOnly,
    InvalidField,
    InvitationInvalid,
    InvitationNotFound,
    InvitationsDisabled,
)
from compartilha.extensions import db
from compartilha.models import Invitation
from compartilha.models.columns import utcnow
from compartilha.services import accounts, invitations

from .conftest import PASSWORD


@pytest.fixture
def admin(ctx):
    return accounts.register("Ada", "ada@example.com", PASSWORD)


@pytest.fixture
def member(ctx, admin):
    return accounts.register("Bia", "bia@example.com", PASSWORD)


def test_a_token_is_long_and_only_its_hash_is_stored(admin):
    made, token = invitations.create(admin)
    assert len(token) >= 43  # 32 bytes in base64url: 256 bits
    assert made.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {made.token_hash, made.email}
    assert made.expires_at - made.created_at == timedelta(days=7)
    assert invitations.usable(token).id == made.id


def test_the_expiry_follows_the_setting(ctx, admin):
    ctx.config["INVITATION_DAYS"] = 2
    made, _ = invitations.create(admin, "Cid@Example.com")
    assert made.email == "cid@example.com"
    assert made.expires_at - made.created_at == timedelta(days=2)
    with pytest.raises(InvalidField):
        invitations.create(admin, "nope")


def test_a_user_invites_only_when_allowed(ctx, admin, member):
    with pytest.raises(InvitationsDisabled):
        invitations.create(member)
    ctx.config["USERS_MAY_INVITE"] = True
    mine, _ = invitations.create(member)
    theirs, _ = invitations.create(admin)
    assert [i.id for i in invitations.listed(member)] == [mine.id]
    assert {i.id for i in invitations.listed(admin, everyone=True)} == {mine.id, theirs.id}
    with pytest.raises(AdminOnly):
        invitations.listed(member, everyone=True)
    with pytest.raises(InvitationNotFound):
        invitations.revoke(member, theirs.id)


def test_consume_works_once_and_never_on_a_revoked_or_expired_one(admin, member):
    made, token = invitations.create(admin)
    invitations.consume(made, member.id)
    db.session.commit()
    assert invitations.state(made) == invitations.USED
    with pytest.raises(InvitationInvalid):
        invitations.consume(made, member.id)
    with pytest.raises(InvitationInvalid):
        invitations.usable(token)
    revoked, token = invitations.create(admin)
    invitations.revoke(admin, revoked.id, everyone=True)
    with pytest.raises(InvitationInvalid):
        invitations.consume(revoked, member.id)
    old, token = invitations.create(admin)
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert invitations.state(old) == invitations.EXPIRED
    with pytest.raises(InvitationInvalid):
        invitations.usable(token)


def test_revoking_a_used_invitation_leaves_it_used(admin, member):
    made, _ = invitations.create(admin)
    invitations.consume(made, member.id)
    db.session.commit()
    invitations.revoke(admin, made.id, everyone=True)
    db.session.expire_all()
    found = db.session.get(Invitation, made.id)
    assert found.revoked_at is None and invitations.state(found) == invitations.USED


def test_made_by_admin_reads_the_creators_role_now(ctx, admin, member):
    ctx.config["USERS_MAY_INVITE"] = True
    by_admin, _ = invitations.create(admin)
    by_member, _ = invitations.create(member)
    assert invitations.made_by_admin(by_admin) and not invitations.made_by_admin(by_member)
    admin.role = "user"
    db.session.commit()
    assert not invitations.made_by_admin(by_admin)
