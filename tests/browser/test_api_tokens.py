"""The API tokens page in Chromium, in Portuguese and English, on SQLite, MariaDB and
MariaDB with S3: make a token with the form (its secret shown once, with a copy button),
use it on the API (an upload too), see it listed without its secret, revoke it
(confirmed) and it stops working; revoke all. axe-clean in light and dark, at 375 px."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from .conftest import axe_clean, shoot
from .test_flows import sign_up

PASSWORD = "uma senha longa"
SIZES = {"phone": (375, 812), "desktop": (1280, 800)}
SECRET = re.compile(r"^cmp_[A-Za-z0-9_-]{43}$")


@pytest.fixture(scope="module")
def browser_context_args(on_both_databases):
    return on_both_databases


def _status(page, secret: str, path: str = "/api/v1/me") -> int:
    return page.request.get(path, headers={"Authorization": f"Bearer {secret}"}).status


def test_make_use_and_revoke_a_token_in_portuguese(browser, browser_context_args, screenshots):
    context = browser.new_context(**browser_context_args)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_up(page, "Ana", f"tokens-{secrets.token_hex(4)}@example.com", PASSWORD)
    page.goto("/account")
    page.get_by_role("link", name="Tokens de API").click()
    expect(page).to_have_url(re.compile(r"/account/tokens$"))
    expect(page.get_by_text("Você não tem tokens.")).to_be_visible()
    axe_clean(page, "api-tokens-empty", SIZES)

    page.get_by_role("textbox", name="Nome").fill("ShareX no notebook")
    page.get_by_label("Ver seu nome, e-mail e notificações").check()
    page.get_by_label("Expira").select_option(label="Em 30 dias")
    page.get_by_role("button", name="Criar o token").click()
    made = page.locator("#token-secret")
    expect(made).to_be_visible()
    secret = made.input_value()
    assert SECRET.match(secret)
    expect(page.get_by_text("Copie agora: esta é a única vez que ele aparece.")).to_be_visible()
    page.get_by_role("button", name="Copiar").click()
    expect(page.locator(".token-made [data-copy-label]")).to_have_text("Copiado!")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    axe_clean(page, "api-tokens-made", SIZES)
    shoot(page, screenshots, "api-tokens-made", SIZES)

    assert _status(page, secret) == 200  # account:read
    assert _status(page, secret, "/api/v1/shares") == 403  # not ticked
    # files:write is ticked by default: an upload (it lands in this server's storage, S3
    # too, whichever worker runs this test alone).
    sent = page.request.post("/api/v1/files", headers={"Authorization": f"Bearer {secret}"},
                             multipart={"file": {"name": "foto.txt", "mimeType": "text/plain",
                                                 "buffer": b"enviado com um token"}})
    assert sent.status == 201, sent.text()

    page.goto("/account/tokens")
    expect(page.locator("#token-secret")).to_have_count(0)
    assert secret not in page.content()
    row = page.locator(".token-list .session-row").filter(has_text="ShareX no notebook")
    expect(row).to_contain_text(secret[:10])
    expect(row).to_contain_text("último uso")
    row.get_by_role("button", name=re.compile("Revogar")).click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revogar").click()
    expect(page.locator(".flash-success")).to_contain_text("O token foi revogado")
    expect(page.get_by_text("Você não tem tokens.")).to_be_visible()
    assert _status(page, secret) == 401
    context.close()


def test_make_and_revoke_all_in_english(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Bea", f"tokens-en-{secrets.token_hex(4)}@example.com", PASSWORD)
    page.goto("/language/en?next=/account/tokens")  # the footer's switch
    expect(page).to_have_url(re.compile(r"/account/tokens$"))
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    secrets_made = []
    for name in ("curl", "backup"):
        page.get_by_role("textbox", name="Name").fill(name)
        page.get_by_label("Expires").select_option(label="Never")
        page.get_by_role("button", name="Make the token").click()
        expect(page.get_by_text("Copy it now: this is the only time it is shown.")
               ).to_be_visible()
        secrets_made.append(page.locator("#token-secret").input_value())
    expect(page.locator(".token-list .session-row")).to_have_count(2)
    expect(page.locator(".token-list")).to_contain_text("never expires")
    axe_clean(page, "api-tokens-en", SIZES)
    assert all(_status(page, s, "/api/v1/files") == 200 for s in secrets_made)
    # The default scopes upload (the file lands in this server's storage: S3 too).
    sent = page.request.post("/api/v1/files", headers={
        "Authorization": f"Bearer {secrets_made[0]}"}, multipart={"file": {
            "name": "nota.txt", "mimeType": "text/plain", "buffer": b"sent with a token"}})
    assert sent.status == 201 and sent.json()["file"]["name"] == "nota.txt"
    page.get_by_role("button", name="Revoke all tokens").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revoke all").click()
    expect(page.locator(".flash-success")).to_contain_text("Every token was revoked.")
    assert all(_status(page, s, "/api/v1/files") == 401 for s in secrets_made)
    context.close()
