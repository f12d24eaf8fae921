"""The account page (issue 12, point 6): name and email, the signed-in sessions with
"sign out" each and everywhere else, and a delete form that keeps its box ticked after a
wrong password. Each changed state passes axe-core in light and dark; screenshots at 375
and 1280 px go to test-artifacts/screenshots (the reviewed ones are in docs/screenshots)."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from .conftest import axe_clean, shoot
from .test_flows import sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}




def test_sessions_name_email_and_delete_form(browser, browser_context_args, screenshots):
    email = f"conta-{secrets.token_hex(4)}@example.com"
    phone = browser.new_context(**browser_context_args | {
        "user_agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/131.0 Mobile Safari/537.36"})
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Ana", email, PASSWORD)
    other = phone.new_page()
    other.goto("/login")
    other.get_by_label("E-mail").fill(email)
    other.get_by_label("Senha").fill(PASSWORD)
    other.get_by_role("button", name="Entrar").click()
    expect(other).to_have_url(re.compile(r"/files$"))

    page.goto("/account")
    sessions = page.locator(".session-row")
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("Este aparelho")  # this one first
    expect(sessions.filter(has_text="Chrome · Android")).to_have_count(1)
    for width in (320, 375):  # nothing sticks out on a phone
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 800})
    axe_clean(page, "account-sessions")
    shoot(page, screenshots, "account-sessions", SIZES)

    # Name and email
    page.get_by_role("textbox", name="Nome", exact=True).fill("Ana Souza")
    page.get_by_role("textbox", name="E-mail", exact=True).fill(f"nova-{email}")
    page.get_by_label("Senha (para alterar o e-mail)").fill(PASSWORD)  # a new address needs it
    page.get_by_role("button", name="Salvar nome e e-mail").click()
    expect(page.locator(".flash-success")).to_contain_text("Seu nome e e-mail foram salvos.")
    expect(page.locator(".page-head")).to_contain_text(f"Ana Souza · nova-{email}")

    # One session, then the rest
    sessions.filter(has_text="Chrome · Android").get_by_role("button", name=re.compile(
        "Desconectar")).click()
    expect(page.locator(".flash-success")).to_contain_text("Essa sessão foi desconectada.")
    expect(sessions).to_have_count(1)
    other.goto("/account")
    expect(other).to_have_url(re.compile(r"/login"))  # that device is out
    everywhere = page.get_by_role("button", name="Desconectar todos os outros aparelhos")
    expect(everywhere).to_have_count(0)  # nothing else to sign out

    # A wrong password on delete: the error shows, the box stays ticked
    page.get_by_label("Sua senha").fill("não é essa")
    page.get_by_label("Entendo que meus arquivos").check()
    page.get_by_role("button", name="Excluir minha conta").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Excluir tudo").click()
    expect(page.locator("#f-password-error")).to_be_visible()
    expect(page.get_by_label("Entendo que meus arquivos")).to_be_checked()
    axe_clean(page, "account-delete-error")
    shoot(page, screenshots, "account-delete-error", SIZES)
    phone.close()
    context.close()


def test_sign_out_everywhere_else(browser, browser_context_args):
    email = f"todos-{secrets.token_hex(4)}@example.com"
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Bia", email, PASSWORD)
    others = [browser.new_context(**browser_context_args) for _ in range(2)]
    for other in others:
        tab = other.new_page()
        tab.goto("/login")
        tab.get_by_label("E-mail").fill(email)
        tab.get_by_label("Senha").fill(PASSWORD)
        tab.get_by_role("button", name="Entrar").click()
        expect(tab).to_have_url(re.compile(r"/files$"))
    page.goto("/account")
    expect(page.locator(".session-row")).to_have_count(3)
    page.get_by_role("button", name="Desconectar todos os outros aparelhos").click()
    expect(page.locator(".flash-success")).to_contain_text("2 outras sessões foram desconectadas.")
    expect(page.locator(".session-row")).to_have_count(1)
    for other in others:
        assert other.request.get("/api/v1/me").status == 401
        other.close()
    context.close()
