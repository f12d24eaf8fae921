"""Who may sign up (docs/admin.md, "Sign-up and invitations"): the `registration` setting
(open, invite_only or closed), the `registration_domains` allow-list, and the invitation
a sign-up brings. The first account of an empty instance may always sign up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..errors import (
    AppError,
    EmailDomainNotAllowed,
    InvitationForAnotherEmail,
    InvitationRequired,
    RegistrationClosed,
)
from ..extensions import db
from ..logs import event, mask_email
from ..models import Invitation, User
from . import invitations, settings

OPEN, INVITE_ONLY, CLOSED = "open", "invite_only", "closed"


@dataclass(frozen=True)
class Terms:
    """What the sign-up page tells: the mode, the allowed domains, and the state of the
    invitation it was opened with (None: none given; else a state of `invitations`)."""

    mode: str
    domains: list[str]
    invitation: str | None = None
    invitation_email: str | None = None


def empty_instance() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def mode() -> str:
    return OPEN if empty_instance() else str(settings.value("registration"))


def terms(token: str | None = None) -> Terms:
    """What the sign-up page opened with `token` should say (an unknown token reads as an
    expired one: the page says "invalid, used or expired" alike)."""
    found = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == invitations.token_hash(token))) if token else None
    state = None if not token else invitations.state(found) if found else invitations.EXPIRED
    pending = found if found is not None and state == invitations.PENDING else None
    domains = list(settings.value("registration_domains") or [])
    if pending is not None and invitations.made_by_admin(pending):
        domains = []  # the allow-list does not apply to this sign-up
    return Terms(mode(), domains, state, pending.email if pending is not None else None)


def domain_allowed(email: str) -> bool:
    """Is the (canonical) address in the `registration_domains` allow-list, or is it empty?"""
    return _domain_allowed(email)


def _domain_allowed(email: str) -> bool:
    domains = [d.lower() for d in settings.value("registration_domains") or []]
    return not domains or email.rpartition("@")[2].lower() in domains


def _check(email: str, token: str | None) -> Invitation | None:
    current = str(settings.value("registration"))
    if current == CLOSED:
        raise RegistrationClosed()
    invitation = invitations.usable(token) if token else None
    if invitation is None:
        if current == INVITE_ONLY:
            raise InvitationRequired(field="invitation")
    elif invitation.email is not None and invitation.email != email:
        raise InvitationForAnotherEmail(field="email")
    admin_made = invitation is not None and invitations.made_by_admin(invitation)
    if not admin_made and not _domain_allowed(email):
        raise EmailDomainNotAllowed(field="email")
    return invitation


def admit(email: str, token: str | None) -> Invitation | None:
    """May `email` (canonical) sign up, with the invitation `token` if any? The invitation
    to consume with the account, or a 403 (logged as `signup.refused`). A token, when given,
    must be valid whatever the mode; an admin's invitation passes the domain allow-list."""
    if empty_instance():
        return None
    try:
        return _check(email, token or None)
    except AppError as exc:
        event("signup.refused", reason=exc.code, email=mask_email(email))
        raise
