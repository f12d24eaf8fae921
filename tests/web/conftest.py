"""Helpers for the page tests: log in through the form, read the CSRF cookie."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def catalogs():
    """`make` builds the .mo files; build them here too when pytest runs on its own."""
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d",
                                str(ROOT / "compartilha" / "translations")])


class Pages:
    def __init__(self, client, auth) -> None:
        self.client, self.auth = client, auth

    def login(self, **kwargs):
        account = self.auth.register(**kwargs)
        rv = self.client.post("/login", data={"email": account.email,
                                              "password": account.password})
        assert rv.status_code == 302, rv.get_data(as_text=True)
        account.token = self.client.get_cookie("compartilha_session").value
        return account

    def csrf(self) -> str:
        return self.client.get_cookie("compartilha_csrf").value


@pytest.fixture
def pages(client, auth):
    return Pages(client, auth)


def sign_in(client, account):
    """`client` signed in through the login form as `account` (made by `auth`)."""
    rv = client.post("/login", data={"email": account.email, "password": account.password})
    assert rv.status_code == 302, rv.data
    return client


def csrf_cookie(client) -> str:
    """The CSRF token a form of this client's pages carries (empty when signed out)."""
    cookie = client.get_cookie("compartilha_csrf")
    return cookie.value if cookie else ""
