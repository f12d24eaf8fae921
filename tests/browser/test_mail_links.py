"""Mail in the browser, through a real SMTP server (aiosmtpd, STARTTLS and AUTH): sign up,
open the verification mail's link; forgot password, open the reset mail's link, choose a
new password, log in with it. Every page on the way is checked with axe."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.mailbox import links_in

from .conftest import axe_violations
from .test_flows import log_in


@pytest.fixture
def mailing(live_server, smtp_server):
    """The live server sends through `smtp_server`, with links to itself."""
    config = live_server.app.config
    saved = {key: config[key] for key in ("MAIL_URL", "PUBLIC_URL")}
    config.update(MAIL_URL=smtp_server.url, PUBLIC_URL=live_server.url)
    yield smtp_server
    config.update(saved)


def no_axe_violations(page) -> None:
    assert axe_violations(page) == [], page.url


def test_sign_up_verify_forget_reset_and_log_in(browser, browser_context_args, live_server,
                                               mailing):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    email, password = f"mail-{secrets.token_hex(4)}@example.com", "uma senha longa"

    page.goto("/signup")
    page.get_by_label("Nome").fill("Carla")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", name="Confira seu e-mail")).to_be_visible()
    no_axe_violations(page)
    [welcome] = mailing.wait_for(1)
    assert (welcome["To"], welcome["Subject"]) == (email, "Confirme seu endereço de e-mail")
    assert mailing.deliveries[0]["tls"] and mailing.deliveries[0]["login"] == "mailer"

    # Unverified: the banner, whose button mails another link.
    log_in(page, email, password)
    expect(page).to_have_url(re.compile(r"/files$"))
    banner = page.locator(".unverified-banner")
    expect(banner).to_contain_text(email)
    no_axe_violations(page)
    banner.get_by_role("button", name="Enviar um novo link").click()
    expect(page.locator(".flashes .flash-success")).to_contain_text(email)
    second = mailing.wait_for(2)[1]
    [link] = links_in(second)
    assert link.startswith(f"{live_server.url}/verify#")

    page.goto(link)
    no_axe_violations(page)
    page.get_by_role("button", name="Confirmar meu endereço").click()
    expect(page).to_have_url(re.compile(r"/files$"))
    expect(page.locator(".flashes .flash-success")).to_contain_text("confirmado")
    expect(page.locator(".unverified-banner")).to_have_count(0)
    page.goto(links_in(welcome)[0])  # the first link: an older one no longer works
    page.get_by_role("button", name="Confirmar meu endereço").click()
    expect(page.locator(".form-error:not([data-passkey-error])")).to_contain_text("Peça um novo")
    context.close()

    # Forgot the password, in a fresh browser.
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/login")
    page.get_by_role("link", name="Esqueceu sua senha?").click()
    no_axe_violations(page)
    page.get_by_label("E-mail").fill(email.upper())
    page.get_by_role("button", name="Enviar um link").click()
    expect(page.get_by_role("heading", name="Confira seu e-mail")).to_be_visible()
    reset = mailing.wait_for(3)[2]
    assert reset["Subject"] == "Redefina sua senha"
    page.goto(links_in(reset)[0])
    no_axe_violations(page)
    page.get_by_label("Nova senha").fill("outra senha bem longa")
    page.get_by_role("button", name="Salvar a nova senha").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".flashes .flash-success")).to_contain_text("Entre com a nova")
    log_in(page, email, password)
    # the old password is gone
    expect(page.locator(".form-error:not([data-passkey-error])")).to_be_visible()
    log_in(page, email, "outra senha bem longa")
    expect(page).to_have_url(re.compile(r"/files$"))
    context.close()
