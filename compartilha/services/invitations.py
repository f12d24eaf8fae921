"""Invitations to sign up: single-use, expiring links that admins (and users, when the
`users_may_invite` setting says so) create, optionally for one address, which is then
mailed the link. Only the SHA-256 of a token is stored; the token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..errors import InvitationInvalid, InvitationNotFound, InvitationsDisabled
from ..extensions import db, rowcount
from ..logs import event
from ..models import Invitation, User
from ..models.columns import utcnow
from . import mail, roles, settings, validation

TOKEN_BYTES = 32  # 256 bits: a token cannot be guessed, only its hash is kept
PENDING, USED, EXPIRED, REVOKED = "pending", "used", "expired", "revoked"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signup_path(token: str) -> str:
    return f"/signup?invitation={token}"


def is_admin(user: User | None) -> bool:
    return user is not None and user.role == roles.ADMIN and user.disabled_at is None


def may_invite(user: User) -> bool:
    """Admins always; users when the setting allows it."""
    return is_admin(user) or (user.disabled_at is None and bool(settings.value("users_may_invite")))


def _require_inviter(user: User) -> None:
    if not may_invite(user):
        raise InvitationsDisabled()


def state(invitation: Invitation, now: datetime | None = None) -> str:
    if invitation.used_at is not None:
        return USED
    if invitation.revoked_at is not None:
        return REVOKED
    return EXPIRED if invitation.expires_at <= (now or utcnow()) else PENDING


def create(actor: User, email: str | None = None) -> tuple[Invitation, str]:
    """A new invitation and its token (shown this once). With `email`, only that address
    may use it, and the link is mailed there in the inviter's language."""
    _require_inviter(actor)
    canonical = validation.email(email) if email else None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow().replace(microsecond=0)
    invitation = Invitation(token_hash=token_hash(token), email=canonical, created_by=actor.id,
                            created_at=now,
                            expires_at=now + timedelta(days=int(settings.value("invitation_days"))))
    db.session.add(invitation)
    db.session.commit()
    event("invitation.created", user_id=actor.id, invitation_id=invitation.id,
          has_email=canonical is not None)
    if canonical is not None:
        mail.send(canonical, "invitation", lang=actor.language,
                  context={"name": actor.name, "url": mail.link(signup_path(token)),
                           "expires_at": invitation.expires_at})
    return invitation, token


def listed(actor: User, everyone: bool = False) -> list[Invitation]:
    """Newest first: every invitation for an admin asking for `everyone`, else the actor's."""
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if everyone:
        roles.require_admin(actor)
    else:
        _require_inviter(actor)
        query = query.where(Invitation.created_by == actor.id)
    return list(db.session.scalars(query))


def revoke(actor: User, invitation_id: int, everyone: bool = False) -> None:
    """Turn a pending invitation off (one already used stays as it was); an admin asking
    for `everyone` may revoke any, others only their own (404 for the rest)."""
    if everyone:
        roles.require_admin(actor)
    else:
        _require_inviter(actor)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or (not everyone and invitation.created_by != actor.id):
        raise InvitationNotFound()
    db.session.execute(update(Invitation)
                       .where(Invitation.id == invitation_id, Invitation.used_at.is_(None),
                              Invitation.revoked_at.is_(None))
                       .values(revoked_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    event("invitation.revoked", user_id=actor.id, invitation_id=invitation_id)


def usable(token: str) -> Invitation:
    """The pending invitation behind a token, or InvitationInvalid (unknown, used,
    revoked and expired ones answer alike)."""
    invitation = db.session.scalar(select(Invitation)
                                   .where(Invitation.token_hash == token_hash(token)))
    if invitation is None or not invitation.usable(utcnow()):
        raise InvitationInvalid(field="invitation")
    return invitation


def consume(invitation: Invitation, user_id: int) -> None:
    """Mark the invitation used by `user_id`, in the caller's transaction (the one that
    creates the account): one conditional UPDATE, so of two sign-ups racing on a token
    the second finds it used (its UPDATE waits for the first's row lock, then matches
    nothing) and rolls back its account."""
    now = utcnow()
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now, used_by=user_id)
        .execution_options(synchronize_session=False))
    if rowcount(result) != 1:
        raise InvitationInvalid(field="invitation")


def made_by_admin(invitation: Invitation) -> bool:
    """Was it made by an account that is an enabled admin now (its creator's role is read
    at use, so a demoted or deleted admin's invitations follow the allow-list)?"""
    if invitation.created_by is None:
        return False
    return is_admin(db.session.get(User, invitation.created_by))
