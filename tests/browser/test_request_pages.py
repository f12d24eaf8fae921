"""The owner's upload-link pages in Chromium: create one with its options, copy the link,
see its QR code, edit it (same link), revoke it; axe-clean in light and dark, 320 px up,
screenshots at 375 and 1280 px."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from .conftest import wait_until
from .test_flows import sign_up
from .test_pages import check

PASSWORD = "uma senha longa"


def test_the_owner_creates_copies_edits_and_revokes_an_upload_link(
        browser, browser_context_args, screenshots):
    owner = browser.new_context(**browser_context_args)
    owner.grant_permissions(["clipboard-read", "clipboard-write"])
    page = owner.new_page()
    sign_up(page, "Ana", f"pedidos-{secrets.token_hex(4)}@example.com", PASSWORD)
    page.goto("/requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Links de envio")
    check(page, screenshots, "requests-empty")
    page.get_by_role("link", name="Novo link de envio").click()
    page.get_by_label("Título").fill("Fotos do evento")
    page.get_by_label("Mensagem para quem envia (opcional)").fill("Mandem as melhores.")
    page.get_by_label("Máximo de arquivos").fill("3")
    page.get_by_label("Máximo por arquivo, em MB").fill("1")
    page.get_by_label("Senha (opcional)").fill("segredo123")
    page.get_by_label("Pedir o nome").check()
    page.get_by_label("Avisar-me por e-mail").check()
    check(page, screenshots, "request-new")
    page.get_by_role("button", name="Criar o link de envio").click()

    card = page.locator(".link-card").filter(has_text="Fotos do evento")
    expect(card).to_contain_text("0 de 3")
    link = card.locator("input[readonly]")
    expect(link).to_have_value(re.compile(r"/r/[A-Za-z0-9_-]{43}$"))
    url = link.input_value()
    card.get_by_role("button", name="Copiar").click()
    assert page.evaluate("navigator.clipboard.readText()") == url
    card.get_by_text("QR code").click()
    qr = card.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    wait_until(page, "img => img.complete && img.naturalWidth > 0", qr.element_handle())
    check(page, screenshots, "requests-list")

    card.get_by_role("link", name=re.compile("Editar")).click()
    expect(page.get_by_label("Título")).to_have_value("Fotos do evento")
    page.get_by_label("Título").fill("Fotos")
    page.get_by_role("button", name="Salvar alterações").click()
    card = page.locator(".link-card").filter(has_text="Fotos")
    expect(card.locator("input[readonly]")).to_have_value(url)  # the same link

    visitor = browser.new_context(**browser_context_args)
    sent = visitor.request.post(url + "/files", headers={"Accept": "application/json"},
                                multipart={"file": {"name": "praia.jpg", "mimeType": "image/jpeg",
                                                    "buffer": b"\xff\xd8 praia"},
                                           "uploader_name": "Rui Barbosa",
                                           "password": "segredo123"})
    assert sent.status == 201, sent.text()
    card.get_by_role("link", name="Abrir a pasta").click()
    row = page.locator(".file-row").filter(has_text="praia.jpg")
    expect(row).to_contain_text("Enviado por Rui Barbosa · pedido Fotos")
    expect(page.get_by_role("link", name="Pedir arquivos")).to_be_visible()
    check(page, screenshots, "request-arrival-row")
    page.goto("/requests")
    card = page.locator(".link-card").filter(has_text="Fotos")
    expect(card).to_contain_text("1 de 3")
    card.get_by_role("button", name=re.compile("Revogar")).click()
    page.locator("#confirm-dialog [data-confirm-ok]").click()
    expect(page.locator(".link-card").filter(has_text="Fotos")).to_contain_text("Revogado")
    assert visitor.request.get(url).status == 410
    for context in (owner, visitor):
        context.close()
