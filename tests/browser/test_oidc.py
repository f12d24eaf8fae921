"""Single sign-on in a browser, through a real OpenID provider (oidc-provider under Node,
tests/oidc): the admin group makes an admin, its removal at the provider makes a user at
the next sign-in; PASSWORD_LOGIN=0 leaves only the provider's button. pt-BR and English,
axe-clean, usable at 375 px; on SQLite and MariaDB."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from compartilha.services import accounts, oidc
from tests.oidc import start_provider, stop_provider

from .conftest import axe_clean, context_args, serving

SIZES = {"phone": (375, 812), "desktop": (1280, 800)}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def sso(request, tmp_path_factory):
    """A server of its own on each database, a provider that knows its callback, and
    another enabled admin (so the signed-in one may lose the role)."""
    folder = tmp_path_factory.mktemp(f"sso-{request.param}")
    with serving(request.param, folder) as server:
        provider = start_provider(folder / "provider", [f"{server.url}/auth/oidc/callback"])
        try:
            server.app.config.update(provider.app_config(
                OIDC_NAME="Acme ID", OIDC_ADMIN_GROUP="compartilha-admins"))
            with server.app.app_context():
                oidc.forget_cache()
                accounts.register("Chefe", "chefe@example.com", "uma senha longa", admin=True)
            yield server, provider
        finally:
            stop_provider(provider)


def sign_in_at_provider(page, login):
    page.get_by_role("link", name=re.compile("Acme ID")).click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("qualquer")
    page.locator("button[type=submit]").click()


def test_admin_from_the_group_then_user_without_it(browser, sso):
    server, provider = sso
    provider.set_account("rita", email="rita@example.com", email_verified=True,
                         name="Rita Lima", groups=["staff", "compartilha-admins"])
    context = browser.new_context(**context_args(server.url) | {"locale": "en-US"})
    page = context.new_page()
    page.goto("/login?next=/account")
    expect(page.get_by_role("link", name="Sign in with Acme ID")).to_be_visible()
    axe_clean(page, "login-with-sso", SIZES)
    sign_in_at_provider(page, "rita")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("link", name="Administration")).to_have_count(1)
    expect(page.locator("#no-password")).to_contain_text("no password")
    axe_clean(page, "account-without-password", SIZES)
    assert page.goto("/admin/users").status == 200

    provider.set_account("rita", email="rita@example.com", email_verified=True,
                         name="Rita Lima", groups=["staff"])
    context.clear_cookies()  # signed out here and at the provider
    page.goto("/login")
    sign_in_at_provider(page, "rita")
    expect(page).to_have_url(re.compile(r"/files$"))
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    assert page.goto("/admin/users").status == 403
    context.close()


def test_password_login_off_leaves_the_provider_in_portuguese(browser, sso):
    server, provider = sso
    server.app.config["PASSWORD_LOGIN"] = False
    try:
        provider.set_account("saulo", email="saulo@example.com", email_verified=False,
                             name="Saulo")
        context = browser.new_context(**context_args(server.url))  # pt-BR
        page = context.new_page()
        page.goto("/login")
        expect(page.get_by_role("link", name="Entrar com Acme ID")).to_be_visible()
        expect(page.locator("input[type=password]")).to_have_count(0)
        expect(page.get_by_role("link", name="Criar uma conta")).to_have_count(0)
        axe_clean(page, "login-sso-only", SIZES)
        assert page.goto("/signup").status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Senhas estão desativadas aqui")
        page.goto("/login")
        sign_in_at_provider(page, "saulo")  # a newcomer with an unverified email: created
        expect(page).to_have_url(re.compile(r"/files$"))
        page.goto("/account")
        expect(page.locator("#no-password")).to_contain_text("Sua conta não tem senha")
        expect(page.get_by_role("button", name="Enviar um link para criar uma senha")
               ).to_have_count(0)
        context.close()
    finally:
        server.app.config["PASSWORD_LOGIN"] = True


def test_a_refusal_is_a_page_in_the_readers_language(browser, sso):
    server, provider = sso
    with server.app.app_context():
        accounts.register("Tania", "tania@example.com", "uma senha longa")
    provider.set_account("tania", email="tania@example.com", email_verified=False)
    context = browser.new_context(**context_args(server.url))
    page = context.new_page()
    page.goto("/login")
    sign_in_at_provider(page, "tania")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Não foi possível vincular esta conta")
    axe_clean(page, "sso-refused", SIZES)
    context.close()
