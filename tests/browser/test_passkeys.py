"""Passkeys in Chromium with its virtual authenticator (DevTools WebAuthn domain, ctap2,
internal transport, resident keys, user verification): register two, rename one and
remove the other, sign out, sign in with the passkey and no email typed; in pt-BR and
English, axe-clean, on SQLite and MariaDB. WebAuthn needs a secure context and a domain
for the relying party: the server is opened as http://localhost:<port>."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, context_args, serving, wait_until

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}
WORDS = {
    "pt-BR": {"add": "Adicionar uma chave de acesso", "name": "Nome (opcional)",
              "rename": "Renomear", "remove": "Remover",
              "sign_in": "Fazer login com uma chave de acesso",
              "added": "A chave de acesso foi adicionada",
              "removed": "A chave de acesso foi removida", "title": "Chaves de acesso"},
    "en": {"add": "Add a passkey", "name": "Name (optional)", "rename": "Rename",
           "remove": "Remove", "sign_in": "Sign in with a passkey",
           "added": "The passkey was added", "removed": "The passkey was removed",
           "title": "Passkeys"},
}


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def localhost(request, tmp_path_factory):
    with serving(request.param, tmp_path_factory.mktemp(f"passkeys-{request.param}")) as server:
        yield server.url.replace("127.0.0.1", "localhost")


def authenticator(context, page) -> tuple[object, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return cdp, made["authenticatorId"]


def signed_up(page, email: str) -> None:
    """An account, signed in (the API sets the session cookie in the browser context)."""
    assert page.request.post("/api/v1/auth/register", data={
        "name": "Ana", "email": email, "password": PASSWORD}).status == 201
    assert page.request.post("/api/v1/auth/login", data={
        "email": email, "password": PASSWORD}).status == 200


def add_passkey(page, words: dict, name: str = "") -> None:
    page.goto("/account/passkeys")
    wait_until(page, "() => !document.querySelector('[data-passkey-add] button').disabled")
    page.get_by_label(words["name"]).fill(name)
    page.get_by_role("button", name=words["add"]).click()
    expect(page.locator(".flash-success")).to_contain_text(words["added"])


@pytest.mark.parametrize("locale", list(WORDS))
def test_register_rename_remove_and_sign_in_with_a_passkey(browser, localhost, locale):
    words = WORDS[locale]
    context = browser.new_context(**context_args(localhost) | {"locale": locale})
    page = context.new_page()
    cdp, first = authenticator(context, page)
    email = f"chave-{secrets.token_hex(4)}@example.com"
    signed_up(page, email)
    page.goto("/account/passkeys")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
    axe_clean(page, f"passkeys-empty-{locale}", SIZES)

    add_passkey(page, words, "Notebook")
    # A second authenticator (the first already holds this account's passkey)
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    _, second = authenticator(context, page)
    add_passkey(page, words)
    rows = page.locator(".passkey-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Passkey 1")
    axe_clean(page, f"passkeys-two-{locale}", SIZES)

    rows.nth(1).get_by_role("textbox").fill("Celular")
    rows.nth(1).get_by_role("button", name=re.compile(words["rename"])).click()
    expect(rows.nth(1)).to_contain_text("Celular")
    rows.nth(0).get_by_role("button", name=re.compile(words["remove"])).click()
    page.locator("#confirm-dialog").get_by_role("button", name=words["remove"]).click()
    expect(page.locator(".flash-success")).to_contain_text(words["removed"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Celular")
    axe_clean(page, f"passkeys-one-{locale}", SIZES)

    page.request.post("/api/v1/auth/logout", headers={"X-CSRF-Token": next(
        c["value"] for c in context.cookies() if c["name"].endswith("compartilha_csrf"))})
    context.clear_cookies()
    page.goto("/login")
    button = page.get_by_role("button", name=words["sign_in"])
    expect(button).to_be_visible()
    axe_clean(page, f"login-passkey-{locale}", SIZES)
    button.click()  # no email typed: the authenticator offers the account's passkey
    expect(page).to_have_url(re.compile(r"/files$"))
    me = page.request.get("/api/v1/me").json()
    assert me["user"]["email"] == email
    page.goto("/account/passkeys")
    expect(rows.first).not_to_contain_text(re.compile("ainda não usada|not used yet"))
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": second})
    context.close()


def test_a_browser_without_webauthn_is_told_so(browser, localhost):
    context = browser.new_context(**context_args(localhost))
    context.add_init_script("delete window.PublicKeyCredential;")
    page = context.new_page()
    signed_up(page, f"sem-chave-{secrets.token_hex(4)}@example.com")
    page.goto("/account/passkeys")
    expect(page.get_by_text("Este navegador não consegue usar chaves de acesso.")).to_be_visible()
    expect(page.get_by_role("button", name=WORDS["pt-BR"]["add"])).to_be_disabled()
    axe_clean(page, "passkeys-unsupported")
    context.clear_cookies()
    page.goto("/login")
    wait_until(page, "() => document.documentElement.classList.contains('js')")
    expect(page.get_by_role("button", name=WORDS["pt-BR"]["sign_in"])).to_be_hidden()
    context.close()
