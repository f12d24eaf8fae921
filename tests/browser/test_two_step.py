"""Two-step sign-in in a real browser (issue 19): set a code app up on the account page
(the code computed from the key the page shows), sign out, sign in with the password and
a code, then with a recovery code; in Portuguese and English, on SQLite and MariaDB, each
screen axe-clean in light and dark and usable at 375 px."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, context_args, serving

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}
WORDS = {
    "pt-BR": {"email": "E-mail", "password": "Senha", "log_in": "Entrar", "log_out": "Sair",
              "set_up": "Configurar", "first": "O código de 6 dígitos que o aplicativo mostra",
              "turn_on": "Ativar", "codes": "Seus códigos de recuperação",
              "code": "Código do seu aplicativo", "continue": "Continuar",
              "use_recovery": "Usar um código de recuperação",
              "recovery": "Código de recuperação"},
    "en": {"email": "Email", "password": "Password", "log_in": "Log in", "log_out": "Log out",
           "set_up": "Set up", "first": "The 6-digit code the app shows", "turn_on": "Turn on",
           "codes": "Your recovery codes", "code": "Code from your app",
           "continue": "Continue", "use_recovery": "Use a recovery code",
           "recovery": "Recovery code"},
}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def server_url(request, live_server, tmp_path_factory):
    if request.param == "sqlite":
        yield live_server.url
        return
    with serving("mysql", Path(tmp_path_factory.mktemp("live-two-step"))) as server:
        yield server.url


def log_in(page, words: dict[str, str], email: str) -> None:
    page.goto("/login")
    page.get_by_label(words["email"], exact=True).fill(email)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["log_in"], exact=True).click()


def log_out(page, words: dict[str, str]) -> None:
    page.goto("/logout")
    page.locator("#main").get_by_role("button", name=words["log_out"]).click()
    expect(page).not_to_have_url(re.compile(r"/logout$"))


@pytest.mark.parametrize("language", ["pt-BR", "en"])
def test_set_up_then_sign_in_with_a_code_and_with_a_recovery_code(browser, server_url,
                                                                   language):
    words = WORDS[language]
    context = browser.new_context(**context_args(server_url) | {"locale": language})
    page = context.new_page()
    email = f"dois-{secrets.token_hex(4)}@example.com"
    made = context.request.post("/api/v1/auth/register",
                                data={"name": "Ana", "email": email, "password": PASSWORD})
    assert made.status == 201, made.text()
    log_in(page, words, email)
    expect(page).to_have_url(re.compile(r"/files$"))

    page.goto("/account/two-step")
    axe_clean(page, f"two-step-start-{language}", SIZES)
    page.get_by_role("button", name=words["set_up"], exact=True).click()
    secret = page.locator("[data-secret]").inner_text().strip()
    expect(page.get_by_role("img", name=re.compile("QR"))).to_be_visible()
    axe_clean(page, f"two-step-enrol-{language}", SIZES)
    totp = pyotp.TOTP(secret)
    page.get_by_label(words["first"]).fill(totp.now())
    page.get_by_role("button", name=words["turn_on"], exact=True).click()
    expect(page.get_by_role("heading", name=words["codes"])).to_be_visible()
    codes = page.locator("#recovery-codes").input_value().split()
    assert len(codes) == 10
    axe_clean(page, f"two-step-codes-{language}", SIZES)

    log_out(page, words)
    log_in(page, words, email)
    code_field = page.get_by_label(words["code"])
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    axe_clean(page, f"login-two-step-{language}", SIZES)
    code_field.fill(totp.at(time.time() + 30))  # the next window: the first code is spent
    page.get_by_role("button", name=words["continue"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/files$"))

    log_out(page, words)
    log_in(page, words, email)
    page.get_by_role("button", name=words["use_recovery"]).click()
    recovery = page.get_by_label(words["recovery"], exact=True)
    axe_clean(page, f"login-recovery-{language}", SIZES)
    recovery.fill(codes[0])
    page.get_by_role("button", name=words["continue"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/files$"))
    context.close()
