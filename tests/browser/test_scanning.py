"""The antivirus on "My files", in Chromium against the live server and a real clamd:
a file with malware fails its card with the reason and never reaches the list; with the
scanner down and CLAMAV_UNAVAILABLE=accept, the stored file says "Not scanned". Both
pass axe-core (light and dark) at 375 and 1280 px, with screenshots."""

from __future__ import annotations

import re
from contextlib import contextmanager

from playwright.sync_api import expect

from tests.servers import EICAR, free_ports

from .test_uploads import SIZES, accessible, shoot, signed_up


@contextmanager
def scanner(app, url: str, unavailable: str = "refuse"):
    """The live server scans with this clamd while the test runs (its config is read at
    each upload), and stops afterwards: the other tests share the server."""
    app.config.update(CLAMAV_URL=url, CLAMAV_UNAVAILABLE=unavailable)
    try:
        yield
    finally:
        app.config.update(CLAMAV_URL="", CLAMAV_UNAVAILABLE="refuse")


def test_malware_fails_its_card_and_never_reaches_the_list(browser, browser_context_args,
                                                          live_server, clamd, screenshots):
    context, page = signed_up(browser, browser_context_args, "Eva")
    with scanner(live_server.app, clamd.unix_url):
        page.locator("#file-input").set_input_files([
            {"name": "boleto.pdf", "mimeType": "application/pdf", "buffer": EICAR},
            {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8 a photo"}])
        card = page.locator(".upload-item", has_text="boleto.pdf")
        expect(card).to_have_class(re.compile("is-failed"), timeout=20_000)
        expect(card.locator(".upload-status")).to_have_text(
            "Falhou: o antivírus encontrou um vírus nele; ele não foi guardado.")
        expect(page.locator(".upload-item.is-done", has_text="foto.jpg")).to_be_visible()
    expect(page.locator(".file-row")).to_have_count(1)
    expect(page.locator(".file-row", has_text="boleto.pdf")).to_have_count(0)
    accessible(page, "upload-malware")
    shoot(page, screenshots, "upload-malware", SIZES)
    page.goto("/notifications")
    expect(page.locator(".notice-row")).to_contain_text("“boleto.pdf” foi recusado")
    accessible(page, "notification-malware")
    context.close()


def test_a_file_kept_unscanned_says_so(browser, browser_context_args, live_server,
                                       screenshots):
    context, page = signed_up(browser, browser_context_args, "Ivo")
    nobody = f"tcp://127.0.0.1:{free_ports(1)[0]}"
    with scanner(live_server.app, nobody, unavailable="accept"):
        page.locator("#file-input").set_input_files([
            {"name": "notas.txt", "mimeType": "text/plain", "buffer": b"notes"}])
        expect(page.locator(".upload-item.is-done")).to_have_count(1, timeout=20_000)
    row = page.locator(".file-row", has_text="notas.txt")
    expect(row.locator('[data-field="scan"]')).to_be_visible()  # added by the script
    page.reload()
    expect(row.locator('[data-field="scan"]')).to_have_text(re.compile("Não verificado"))
    accessible(page, "file-unscanned")
    shoot(page, screenshots, "file-unscanned", SIZES)
    context.close()
