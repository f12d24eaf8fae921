"""A share link from its visitor's side (services.share_access)."""

import pytest

from compartilha.errors import (
    PasswordRequired,
    RecipientRequired,
    ShareNotFound,
    ShareRevoked,
    WrongSharePassword,
)
from compartilha.models.columns import utcnow
from compartilha.services import accounts, share_access, shares
from tests.services.conftest import PASSWORD, stored


def test_a_link_resolves_until_it_is_revoked(user):
    share = shares.create(user.id, stored(user.id).id)
    assert share_access.resolve(share.token) == share and shares.state(share) == "active"
    shares.revoke(user.id, share.id)
    with pytest.raises(ShareRevoked):
        share_access.resolve(share.token)
    with pytest.raises(ShareNotFound):
        share_access.resolve("x" * 43)


def test_a_password_is_asked_and_checked(user):
    share = shares.create(user.id, stored(user.id).id, password="s3cret")
    with pytest.raises(PasswordRequired):
        share_access.check_password(share, None)
    with pytest.raises(WrongSharePassword):
        share_access.check_password(share, "wrong", "client")
    share_access.check_password(share, "s3cret", "client")


def test_a_link_addressed_to_someone_opens_for_their_verified_account(user):
    share = shares.create(user.id, stored(user.id).id, recipient_email="Bia@Example.com")
    assert share_access.resolve(share.token, user) == share  # its owner
    with pytest.raises(RecipientRequired):
        share_access.resolve(share.token, None)
    bia = accounts.register("Bia", "bia@example.com", PASSWORD)
    with pytest.raises(RecipientRequired):  # anyone can sign up with an address
        share_access.resolve(share.token, bia)
    assert shares.shared_with(bia) == []
    bia.verified_at = utcnow()
    assert share_access.resolve(share.token, bia) == share
    assert shares.shared_with(bia) == [share]
    # a code proved the address (services.recipients): no account needed
    assert share_access.resolve(share.token, None, proven="bia@example.com") == share
    with pytest.raises(RecipientRequired):
        share_access.resolve(share.token, None, proven="caio@example.com")
