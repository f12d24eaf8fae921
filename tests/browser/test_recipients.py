"""Sending a file by email, in Chromium, with mail through a real SMTP server: the owner
sends it to two people; one opens her mail, asks for a code on the link's page, enters it
and downloads; the owner revokes the other's link, which then answers 410. The recipient's
pages pass axe in both languages."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import Verifier
from tests.mailbox import links_in

from .test_flows import log_in
from .test_pages import PASSWORD, check, upload


def account(page, live_server, name: str, email: str) -> None:
    """Sign up (the page then asks to confirm the address), verify it as the operator
    would, and log in."""
    page.goto("/signup")
    page.get_by_label("Nome").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confira seu e-mail")
    Verifier(live_server.app).add(email)
    log_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/files$"))


@pytest.fixture
def mail_to_smtp(live_server, smtp_server):
    """The live server's mail goes to the test SMTP server for this test, with links to
    the live server (PUBLIC_URL, as a deployment sets it)."""
    config = live_server.app.config
    previous = config["MAIL_URL"], config["PUBLIC_URL"]
    config["MAIL_URL"], config["PUBLIC_URL"] = smtp_server.url, live_server.url
    yield smtp_server
    config["MAIL_URL"], config["PUBLIC_URL"] = previous


def mail_to(server, address: str, count: int = 1):
    """The newest of `count` messages to `address`, waiting for them to arrive."""
    for _ in range(100):
        found = [m for m in server.messages if str(m["To"]) == address]
        if len(found) >= count:
            return found[-1]
        server.wait_for(len(server.messages) + 1, timeout=10)
    raise AssertionError(f"no mail to {address}")


def test_send_by_email_open_with_a_code_and_revoke_the_other(browser, browser_context_args,
                                                             live_server, mail_to_smtp,
                                                             screenshots):
    suffix = secrets.token_hex(3)
    bia, caio = f"bia-{suffix}@example.com", f"caio-{suffix}@example.com"
    owner = browser.new_context(**browser_context_args)
    page = owner.new_page()
    account(page, live_server, "Ana Souza", f"ana-{suffix}@example.com")
    data = b"contrato assinado\n" * 5000
    upload(owner, "contrato.txt", "text/plain", data)
    page.goto("/files")
    page.locator(".file-row").filter(has_text="contrato.txt").get_by_role(
        "button", name="Compartilhar").click()
    dialog = page.locator("#share-dialog")
    dialog.get_by_label("Endereços de e-mail").fill(f"{bia}, {caio.upper()}\n{bia}")
    dialog.get_by_label("Mensagem (opcional)").fill("Segue o contrato.\nAbraços, Ana")
    dialog.get_by_role("button", name="Criar link").click()
    sent = dialog.locator("[data-share-sent] li")
    expect(sent).to_have_text([bia, caio])
    expect(dialog.locator("[data-share-link]")).to_be_hidden()

    # Bia's mail: her own link and Ana's message
    invitation = mail_to(mail_to_smtp, bia)
    assert "Ana Souza" in str(invitation["Subject"])
    assert "Segue o contrato." in invitation.get_body(("plain",)).get_content()
    [link] = [url for url in links_in(invitation) if "/s/" in url]
    assert link.startswith(browser_context_args["base_url"])

    recipient = browser.new_context(**browser_context_args)
    visit = recipient.new_page()
    visit.goto(link)
    expect(visit.get_by_role("heading", level=1)).to_have_text(
        "Este link foi enviado para um endereço de e-mail")
    expect(visit.get_by_text("contrato.txt")).to_have_count(0)
    check(visit, screenshots, "share-recipient-email")
    visit.get_by_label("Seu e-mail").fill(bia.upper())
    visit.get_by_role("button", name="Enviar um código por e-mail").click()
    # the code is mailed before the page answers (jobs run at once in tests)
    expect(visit.get_by_label("Código")).to_be_visible(timeout=20_000)
    check(visit, screenshots, "share-recipient-code")
    code_mail = mail_to(mail_to_smtp, bia, count=2)
    code = re.search(r"\b(\d{6})\b", code_mail.get_body(("plain",)).get_content())[1]
    visit.get_by_label("Código").fill(code)
    visit.get_by_role("button", name="Abrir o link").click()
    expect(visit.get_by_role("heading", level=1)).to_have_text("contrato.txt")
    expect(visit.get_by_text("Segue o contrato.")).to_be_visible()
    # The text preview renders below the heading and moves the button: click once
    # the page has settled (a click mid-layout can land on the preview instead).
    visit.wait_for_load_state("networkidle")
    with visit.expect_download() as caught:
        visit.get_by_role("link", name="Baixar").click()
    assert Path(caught.value.path()).read_bytes() == data

    # the owner sees who downloaded, and revokes Caio's link alone
    page.goto("/links")
    cards = page.locator(".link-card")
    bia_card = cards.filter(has_text=bia)
    expect(bia_card.locator(".link-facts")).to_contain_text("1")
    caio_card = cards.filter(has_text=caio)
    caio_link = caio_card.locator("input[readonly]").input_value()
    caio_card.get_by_role("button", name=re.compile("Revogar")).click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revogar").click()
    expect(cards.filter(has_text=caio).locator(".badge")).to_have_text("Revogado")
    other = browser.new_context(**browser_context_args)
    assert other.new_page().goto(caio_link).status == 410
    for context in (owner, recipient, other):
        context.close()


def test_the_recipient_pages_in_english(browser, browser_context_args, live_server,
                                        mail_to_smtp, screenshots):
    suffix = secrets.token_hex(3)
    owner = browser.new_context(**browser_context_args)
    account(owner.new_page(), live_server, "Ana", f"ana-en-{suffix}@example.com")
    made = upload(owner, "plan.txt", "text/plain", b"plan")
    csrf = next(c["value"] for c in owner.cookies() if c["name"].endswith("compartilha_csrf"))
    rv = owner.request.post("/api/v1/shares", headers={"X-CSRF-Token": csrf}, data={
        "file_ids": [made["id"]], "recipients": [f"dan-{suffix}@example.com"]})
    assert rv.status == 201, rv.text()
    token = rv.json()["shares"][0]["token"]
    english = browser.new_context(**browser_context_args | {"locale": "en-US"})
    page = english.new_page()
    page.goto(f"/s/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This link was sent to an email address")
    check(page, screenshots, "share-recipient-email-en")
    page.get_by_label("Your email").fill(f"someone-else-{suffix}@example.com")
    page.get_by_role("button", name="Email me a code").click()
    # the same answer for any address
    expect(page.get_by_label("Code")).to_be_visible(timeout=20_000)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Open the link").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong or expired code")
    check(page, screenshots, "share-recipient-wrong-code-en")
    for context in (owner, english):
        context.close()
