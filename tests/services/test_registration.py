"""services.registration: the mode, the allow-list and the invitation a sign-up brings;
an empty instance admits its first account whatever the settings say."""

from __future__ import annotations

import pytest

from compartilha.errors import (
    EmailDomainNotAllowed,
    InvitationForAnotherEmail,
    InvitationInvalid,
    InvitationRequired,
    RegistrationClosed,
)
from compartilha.services import accounts, invitations, registration

from .conftest import PASSWORD


@pytest.fixture
def admin(ctx):
    return accounts.register("Ada", "ada@example.com", PASSWORD)


def test_an_empty_instance_admits_anyone(ctx):
    ctx.config["REGISTRATION"] = "closed"
    assert registration.mode() == "open"
    assert registration.admit("first@example.com", None) is None


@pytest.mark.parametrize(("mode", "error"), [("closed", RegistrationClosed),
                                             ("invite_only", InvitationRequired)])
def test_closed_and_invite_only_refuse_without_an_invitation(ctx, admin, mode, error):
    ctx.config["REGISTRATION"] = mode
    assert registration.mode() == mode
    with pytest.raises(error):
        registration.admit("cid@example.com", None)


def test_an_invitation_admits_its_address_and_is_checked_in_every_mode(ctx, admin):
    made, token = invitations.create(admin, "cid@example.com")
    ctx.config["REGISTRATION"] = "invite_only"
    assert registration.admit("cid@example.com", token).id == made.id
    with pytest.raises(InvitationForAnotherEmail):
        registration.admit("eve@example.com", token)
    ctx.config["REGISTRATION"] = "open"
    with pytest.raises(InvitationInvalid):
        registration.admit("cid@example.com", "guessed")


def test_the_allow_list_is_exact_and_an_admins_invitation_passes_it(ctx, admin):
    ctx.config["REGISTRATION_DOMAINS"] = ("example.org",)
    assert registration.admit("cid@example.org", None) is None
    for email in ("cid@example.com", "cid@sub.example.org"):
        with pytest.raises(EmailDomainNotAllowed):
            registration.admit(email, None)
    _, token = invitations.create(admin)
    assert registration.admit("cid@example.com", token) is not None


def test_terms_tell_the_page_what_applies(ctx, admin):
    ctx.config["REGISTRATION"] = "invite_only"
    ctx.config["REGISTRATION_DOMAINS"] = ("example.org",)
    _, token = invitations.create(admin, "cid@example.com")
    assert registration.terms(None) == registration.Terms("invite_only", ["example.org"])
    assert registration.terms(token) == registration.Terms("invite_only", [], "pending",
                                                           "cid@example.com")
    assert registration.terms("guessed").invitation == "expired"
