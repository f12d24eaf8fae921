"""Issue 15's whole flow in Chromium, on SQLite and on MariaDB, with mail through a real
SMTP server (STARTTLS and AUTH) and, with no MAIL_URL, through the outbox: sign up,
follow the verification mail, send a file by email to two people with "email me when it
is downloaded" on; one recipient asks for a code, enters it and downloads; the owner gets
the download mail and a webhook whose signature an independent implementation
(`standardwebhooks`) accepts; the owner revokes the other recipient, whose link answers
410. Each combination runs on its own server (werkzeug's, threaded), jobs in-process."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook as StandardWebhook

from tests.mailbox import SmtpServer, links_in, outbox
from tests.webhook_receiver import receiver

from .conftest import serving
from .test_flows import log_in
from .test_pages import PASSWORD, csrf, upload


@pytest.fixture(params=[("sqlite", "smtp"), ("mysql", "smtp"), ("sqlite", "outbox"),
                        ("mysql", "outbox")], ids="-".join)
def flow(request, tmp_path, smtp_certificate, monkeypatch) -> Iterator[dict]:
    """A server on the chosen database, its mail to the test SMTP server or its outbox;
    `mail()` returns every message sent so far."""
    kind, delivery = request.param
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_certificate[0]))
    with SmtpServer(smtp_certificate) as smtp, serving(
            kind, tmp_path, WEBHOOK_ALLOW_PRIVATE=True,
            MAIL_URL=smtp.url if delivery == "smtp" else "") as server:
        app = server.app
        app.config["PUBLIC_URL"] = server.url
        mail: Callable[[], list[EmailMessage]] = (
            (lambda: list(smtp.messages)) if delivery == "smtp" else (lambda: outbox(app)))
        yield {"url": server.url, "mail": mail, "smtp": smtp, "delivery": delivery}
    if delivery == "outbox":
        assert not smtp.messages  # nothing went to a server when none was configured


def mail_to(flow: dict, address: str, subject: str) -> EmailMessage:
    """The newest message to `address` whose subject contains `subject`."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [m for m in flow["mail"]()
                 if str(m["To"]) == address and subject in str(m["Subject"])]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} about {subject!r}: "
                         f"{[(str(m['To']), str(m['Subject'])) for m in flow['mail']()]}")


def test_sign_up_verify_send_to_two_code_download_notify_and_revoke(
        browser, browser_context_args, flow):
    suffix = secrets.token_hex(3)
    ana, bia, caio = (f"{who}-{suffix}@example.com" for who in ("ana", "bia", "caio"))
    args = browser_context_args | {"base_url": flow["url"]}
    owner = browser.new_context(**args)
    page = owner.new_page()

    # Sign up; the verification mail's link proves the address.
    page.goto("/signup")
    page.get_by_label("Nome").fill("Ana Souza")
    page.get_by_label("E-mail").fill(ana)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confira seu e-mail")
    log_in(page, ana, PASSWORD)
    expect(page.locator(".unverified-banner")).to_contain_text(ana)
    # Unverified, the share dialog will not mail anyone.
    expect(page.locator("#s-recipients")).to_be_disabled()
    welcome = mail_to(flow, ana, "Confirme seu endereço de e-mail")
    [link] = [url for url in links_in(welcome) if "/verify#" in url]
    assert link.startswith(flow["url"])
    page.goto(link)
    page.get_by_role("button", name="Confirmar meu endereço").click()
    expect(page).to_have_url(re.compile(r"/files$"))
    expect(page.locator(".unverified-banner")).to_have_count(0)

    # A signed webhook for the account (its secret is shown once).
    with receiver() as hook:
        rv = owner.request.post("/api/v1/webhooks", headers={"X-CSRF-Token": csrf(owner)},
                                data={"url": hook.url})
        assert rv.status == 201, rv.text()
        secret = rv.json()["webhook"]["secret"]

        data = b"contrato assinado\n" * 5000
        upload(owner, "contrato.txt", "text/plain", data)
        page.goto("/files")
        page.locator(".file-row").filter(has_text="contrato.txt").get_by_role(
            "button", name="Compartilhar").click()
        dialog = page.locator("#share-dialog")
        dialog.get_by_label("Enviar-me um e-mail quando for baixado").check()
        dialog.get_by_label("Endereços de e-mail").fill(f"{bia}, {caio}")
        dialog.get_by_label("Mensagem (opcional)").fill("Segue o contrato.")
        dialog.get_by_role("button", name="Criar link").click()
        expect(dialog.locator("[data-share-sent] li")).to_have_text([bia, caio])

        # Bia opens her own link with a code mailed to her, and downloads.
        invitation = mail_to(flow, bia, "Ana Souza")
        [bia_link] = [url for url in links_in(invitation) if "/s/" in url]
        recipient = browser.new_context(**args)
        visit = recipient.new_page()
        visit.goto(bia_link)
        visit.get_by_label("Seu e-mail").fill(bia)
        visit.get_by_role("button", name="Enviar um código por e-mail").click()
        expect(visit.get_by_label("Código")).to_be_visible(timeout=20_000)
        code_mail = mail_to(flow, bia, "código")
        code = re.search(r"\b(\d{6})\b", code_mail.get_body(("plain",)).get_content())[1]
        visit.get_by_label("Código").fill(code)
        visit.get_by_role("button", name="Abrir o link").click()
        expect(visit.get_by_role("heading", level=1)).to_have_text("contrato.txt")
        # The text preview renders below the heading and moves the button: click once
        # the page has settled (a click mid-layout can land on the preview instead).
        visit.wait_for_load_state("networkidle")
        with visit.expect_download() as caught:
            visit.get_by_role("link", name="Baixar").click()
        assert Path(caught.value.path()).read_bytes() == data

        # The owner is told: a mail, and a signed share.downloaded webhook.
        told = mail_to(flow, ana, "“contrato.txt” foi baixado")
        assert told["Auto-Submitted"] == "auto-generated"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with hook.lock:
                events = {json.loads(r.body)["type"]: r for r in hook.requests}
            if "share.downloaded" in events:
                break
            time.sleep(0.1)
        downloaded = events["share.downloaded"]
        payload = StandardWebhook(secret).verify(downloaded.body, downloaded.headers)
        assert payload["data"]["share"]["recipient_email"] == bia
        assert {"share.created", "file.uploaded"} <= set(events)

    # Caio's link, revoked alone, answers 410; Bia's receipts stay.
    page.goto("/links")
    cards = page.locator(".link-card")
    caio_card = cards.filter(has_text=caio)
    caio_link = caio_card.locator("input[readonly]").input_value()
    caio_card.get_by_role("button", name=re.compile("Revogar")).click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revogar").click()
    expect(cards.filter(has_text=caio).locator(".badge")).to_have_text("Revogado")
    expect(cards.filter(has_text=bia).locator(".link-facts")).to_contain_text("1")
    other = browser.new_context(**args)
    assert other.new_page().goto(caio_link).status == 410
    for context in (owner, recipient, other):
        context.close()
