"""The notification list and settings in a browser: axe-clean in both themes and at phone
and desktop widths, the webhook's secret shown after adding it, marking read."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from compartilha.extensions import db
from compartilha.models import User
from compartilha.services import notifications, webhooks

from .test_flows import sign_up
from .test_pages import PASSWORD, check, upload


@pytest.fixture
def owner(browser, browser_context_args, live_server):
    email = f"notes-{secrets.token_hex(3)}@example.com"
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Ana Souza", email, PASSWORD)
    with live_server.app.app_context():
        user_id = db.session.query(User).filter_by(email=email).one().id
        for kind, extra in (("share.downloaded", {"user_name": "Rui Barbosa"}),
                            ("share.downloaded", {}), ("share.expiring", {}),
                            ("share.used_up", {})):
            notifications.add(user_id, kind, {"share_id": 1, "file_name":
                                              "relatório anual 2025 — versão final.pdf", **extra})
    yield page, user_id
    context.close()


def test_the_share_dialog_asks_for_download_emails(owner, screenshots):
    page, _ = owner
    upload(page.context, "contrato.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 2000)
    page.goto("/files")
    page.locator(".file-row", has_text="contrato.pdf").get_by_role(
        "button", name="Compartilhar").click()
    dialog = page.locator("#share-dialog")
    dialog.get_by_label("Enviar-me um e-mail quando for baixado").check()
    check(page, screenshots, "dialog-share-notify")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.locator("[data-share-summary]")).to_contain_text(
        "Você receberá um e-mail a cada download")
    page.goto("/links")
    card = page.locator(".link-card", has_text="contrato.pdf")
    expect(card.get_by_role("button", name="Parar e-mails de download")).to_be_visible()
    card.get_by_role("button", name="Parar e-mails de download").click()
    expect(page.locator(".link-card", has_text="contrato.pdf").get_by_role(
        "button", name="Enviar-me e-mail a cada download")).to_be_visible()


def test_the_list_counts_and_marks_read(owner, screenshots):
    page, _ = owner
    page.goto("/files")
    expect(page.locator(".nav-notices .count-badge")).to_have_text("4 não lidas")
    page.click(".nav-notices")
    expect(page.locator(".notice-row.is-unread")).to_have_count(4)
    check(page, screenshots, "notifications")
    page.locator(".notice-row form button").first.click()
    expect(page.locator(".notice-row.is-unread")).to_have_count(3)
    page.get_by_role("button", name="Marcar todas como lidas").click()
    expect(page.locator(".notice-row.is-unread")).to_have_count(0)
    expect(page.locator(".nav-notices .count-badge")).to_have_count(0)


def test_settings_add_a_webhook_see_its_secret_and_log(owner, live_server, screenshots):
    page, user_id = owner
    live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    try:
        page.goto("/settings/notifications")
        page.fill("#f-url", "http://127.0.0.1:9/compartilha")
        page.get_by_label("Um link foi criado").check()
        page.get_by_role("button", name="Adicionar webhook").click()
        expect(page.locator("#webhook-secret")).to_have_value(
            __import__("re").compile(r"^whsec_"))
        with live_server.app.app_context():
            [delivery_id] = webhooks.prepare(user_id, "share.created", {"share": {"id": 1}})
            webhooks.attempt(delivery_id)  # refused: nothing listens on port 9
        check(page, screenshots, "webhook-added")
        page.goto("/settings/notifications")
        page.locator(".webhook-log summary").click()
        expect(page.locator(".delivery-row")).to_have_count(1)
        check(page, screenshots, "notification-settings")
    finally:
        live_server.app.config["WEBHOOK_ALLOW_PRIVATE"] = False


def test_a_private_url_is_refused_on_the_page(owner):
    page, _ = owner
    page.goto("/settings/notifications")
    page.fill("#f-url", "http://127.0.0.1:9/x")
    page.get_by_role("button", name="Adicionar webhook").click()
    expect(page.locator("#f-url-error")).to_contain_text("endereço privado ou local")
