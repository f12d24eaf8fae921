"""services.password_login: PASSWORD_LOGIN=0 turns every password path off."""

from __future__ import annotations

import pytest

from compartilha.errors import PasswordLoginDisabled
from compartilha.services import accounts, password_login, verification


def test_on_by_default_off_refuses_login_sign_up_and_reset(app):
    with app.app_context():
        assert password_login.enabled()
        user = accounts.register("Ana", "ana@example.com", "correct horse")
        assert password_login.has_password(user)
        accounts.login("ana@example.com", "correct horse")
        app.config["PASSWORD_LOGIN"] = False
        assert not password_login.enabled()
        with pytest.raises(PasswordLoginDisabled):
            accounts.login("ana@example.com", "correct horse")
        with pytest.raises(PasswordLoginDisabled):
            accounts.sign_up("Bia", "bia@example.com", "correct horse", "en")
        with pytest.raises(PasswordLoginDisabled):
            verification.request_reset("ana@example.com")
        with pytest.raises(PasswordLoginDisabled):
            verification.confirm_reset("any-token", "another horse")
