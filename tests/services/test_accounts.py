import pytest

from compartilha.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidField,
    NotAuthenticated,
    PasswordNeeded,
    SessionNotFound,
    WrongPassword,
)
from compartilha.services import accounts, files
from compartilha.storage import get_storage
from tests.services.conftest import PASSWORD, stored


def test_a_login_gives_a_token_that_authenticates_until_logout(user):
    result = accounts.login("ANA@example.com", PASSWORD, "127.0.0.1", "pytest")
    assert accounts.authenticate(result.token) == (user, result.session)
    accounts.logout(result.session)
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(result.token)


def test_a_wrong_password_or_a_taken_email_is_refused(user):
    with pytest.raises(InvalidCredentials):
        accounts.login("ana@example.com", "wrong password")
    with pytest.raises(EmailTaken):
        accounts.register("Outra", "Ána@example.com", PASSWORD)


def test_a_new_password_ends_every_session(user):
    first = accounts.login("ana@example.com", PASSWORD)
    with pytest.raises(WrongPassword):
        accounts.change_password(user, "not it", "a new password")
    accounts.change_password(user, PASSWORD, "a new password")
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(first.token)
    assert accounts.login("ana@example.com", "a new password").token


def test_one_session_ends_by_its_public_id(user):
    one, two = (accounts.login("ana@example.com", PASSWORD) for _ in range(2))
    with pytest.raises(SessionNotFound):
        accounts.end_session(user, "0" * 16)
    accounts.end_session(user, one.session.public_id)
    assert accounts.sessions_of(user) == [two.session]


def test_deleting_the_account_deletes_its_files_bytes(user):
    user_id, key = user.id, stored(user.id).key
    accounts.delete_account(user, PASSWORD)
    assert accounts.user_at("ana@example.com") is None
    assert files.keys_of(user_id) == [] and not get_storage().exists(key)


def test_the_profile_changes_name_and_email_and_refuses_a_taken_address(user):
    accounts.register("Rui", "rui@example.com", PASSWORD)
    accounts.update_profile(user, name="  Ana   Souza ")
    assert (user.name, user.email) == ("Ana Souza", "ana@example.com")
    with pytest.raises(PasswordNeeded):  # a new address needs the password
        accounts.update_profile(user, email="Ana.Souza@Example.com")
    with pytest.raises(WrongPassword):
        accounts.update_profile(user, email="Ana.Souza@Example.com", password="wrong one")
    assert user.email == "ana@example.com"
    accounts.update_profile(user, email="Ana.Souza@Example.com", password=PASSWORD)
    assert user.email == "ana.souza@example.com"  # canonical, as at sign-up
    assert accounts.login("ana.souza@example.com", PASSWORD).token
    with pytest.raises(EmailTaken):
        accounts.update_profile(user, email="rúi@example.com", password=PASSWORD)  # Rui-like
    with pytest.raises(InvalidField):
        accounts.update_profile(user, name=" ")
    assert accounts.user_at("ana.souza@example.com").name == "Ana Souza"


def test_logging_out_the_others_keeps_this_session(user):
    here, there, elsewhere = (accounts.login("ana@example.com", PASSWORD) for _ in range(3))
    assert accounts.logout_others(user, here.session) == 2
    assert accounts.sessions_of(user) == [here.session]
    assert accounts.authenticate(here.token) == (user, here.session)
    for gone in (there, elsewhere):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(gone.token)
