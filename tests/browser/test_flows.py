"""The person's flows, in Chromium: sign up, upload, share with a password and a limit,
download from a fresh browser and compare bytes; on a desktop and on a 375 px phone."""

from __future__ import annotations

import os
import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from .conftest import shoot, wait_until

FLOW_SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}


def files_ready(page) -> None:
    """The files page's script has set itself up: a file chosen before that would be missed
    (its change listener not yet attached), as a loaded CI machine showed."""
    expect(page.locator("#files-app[data-ready]")).to_be_attached()


def sign_up(page, name: str, email: str, password: str) -> None:
    """Sign up, then log in (sign-up starts no session: it asks to check the mail)."""
    page.goto("/signup")
    page.get_by_label("Nome").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Criar conta").click()
    expect(page.get_by_role("heading", name="Confira seu e-mail")).to_be_visible()
    log_in(page, email, password)
    expect(page).to_have_url(re.compile(r"/files$"))
    files_ready(page)


def open_menu(page) -> None:
    wait_until(page, "() => document.documentElement.classList.contains('js')")
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


def log_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(re.compile(r"/$"))


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()


@pytest.mark.parametrize("size", list(FLOW_SIZES))
def test_sign_up_upload_share_and_download(browser, browser_context_args, size):
    context = browser.new_context(**browser_context_args | {"viewport": FLOW_SIZES[size]})
    page = context.new_page()
    email, password = f"{size}-{secrets.token_hex(4)}@example.com", "uma senha longa"
    sign_up(page, "Ana", email, password)
    log_out(page)
    log_in(page, email, password)
    expect(page).to_have_url(re.compile(r"/files$"))
    files_ready(page)

    first, second = os.urandom(700_000), b"ol\xc3\xa1, mundo\n" * 1000
    page.locator("#file-input").set_input_files([
        {"name": "relatório.bin", "mimeType": "application/octet-stream", "buffer": first},
        {"name": "notas.txt", "mimeType": "text/plain", "buffer": second},
    ])
    # Each file gets its own progress bar and status while it goes up.
    expect(page.locator(".upload-item progress")).to_have_count(2)
    expect(page.locator(".upload-item.is-done")).to_have_count(2, timeout=15_000)
    rows = page.locator(".file-row")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-count]")).to_have_text("2 arquivos")

    row = rows.filter(has_text="relatório.bin")
    row.get_by_role("button", name="Compartilhar").click()
    dialog = page.locator("#share-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Limite de downloads").fill("2")
    dialog.get_by_label("Senha (opcional)").fill("segredo123")
    dialog.get_by_role("button", name="Criar link").click()
    link_input = dialog.locator("[data-share-link]")
    expect(link_input).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]{43}$"))
    link = link_input.input_value()
    qr = dialog.locator("[data-share-qr]")
    expect(qr).to_be_visible()
    wait_until(page, "img => img.complete && img.naturalWidth > 0", qr.element_handle())
    dialog.get_by_role("button", name="Concluir").click()

    stranger = browser.new_context(**browser_context_args | {"viewport": FLOW_SIZES[size]})
    public = stranger.new_page()
    public.goto(link)
    expect(public.get_by_role("heading", name="relatório.bin")).to_have_count(0)
    public.get_by_label("Senha").fill("segredo123")
    public.get_by_role("button", name="Desbloquear").click()
    expect(public.get_by_role("heading", name="relatório.bin")).to_be_visible()
    with public.expect_download() as download_info:
        public.get_by_role("link", name="Baixar").click()
    download = download_info.value
    assert download.suggested_filename == "relatório.bin"
    with open(download.path(), "rb") as fh:
        assert fh.read() == first
    stranger.close()

    # The server counts a download once its last byte is handed to the socket, which can
    # be a moment after the browser has the whole file: look again until it has counted.
    deadline = time.monotonic() + 10
    while True:
        page.goto("/links")
        card = page.locator(".link-card").first
        expect(card.locator(".badge")).to_have_text("Ativo")
        if "1 de 2" in card.inner_text() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    expect(card).to_contain_text("1 de 2")
    card.get_by_text("Histórico de downloads").click()
    expect(card.locator(".receipt-list li")).to_contain_text("Alguém sem conta")
    expect(card.locator(".receipt-list li")).to_contain_text("completo")
    context.close()


def test_expired_session_returns_to_the_page_after_logging_in(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    email = f"back-{secrets.token_hex(4)}@example.com"
    sign_up(page, "Bia", email, "uma senha longa")
    context.add_cookies([{"name": "compartilha_session", "value": "expired.token.value",
                          "url": browser_context_args["base_url"]}])
    page.goto("/links")
    expect(page).to_have_url(re.compile(r"/login\?"))
    expect(page.get_by_role("status")).to_contain_text("Sua sessão terminou")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill("uma senha longa")
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(r"/links$"))
    context.close()


def test_carousel_moves_by_timer_click_and_key(browser, browser_context_args):
    # A visitor who has not asked for reduced motion (with it, the carousel stays still).
    context = browser.new_context(**browser_context_args | {"reduced_motion": "no-preference"})
    page = context.new_page()
    page.clock.install()
    page.goto("/")
    carousel = page.locator("[data-carousel]")
    expect(carousel).to_have_attribute("data-index", "0")
    page.clock.run_for(6500)
    expect(carousel).to_have_attribute("data-index", "1")
    carousel.get_by_role("button", name="Próximo slide").click()
    expect(carousel).to_have_attribute("data-index", "2")
    page.keyboard.press("ArrowRight")
    expect(carousel).to_have_attribute("data-index", "0")
    page.keyboard.press("ArrowLeft")
    expect(carousel).to_have_attribute("data-index", "2")
    carousel.locator("[data-dot='1']").click()
    expect(carousel).to_have_attribute("data-index", "1")
    # Focus inside pauses auto-advance.
    page.clock.run_for(20_000)
    expect(carousel).to_have_attribute("data-index", "1")
    expect(page.locator("#slide-2")).not_to_have_attribute("aria-hidden", "true")
    expect(page.locator("#slide-1")).to_have_attribute("aria-hidden", "true")
    context.close()


def test_language_switch_changes_the_page_and_is_remembered(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Que bom ver você de novo")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Português (Brasil)").click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    context.close()


def test_upload_shows_speed_and_time_left_and_can_be_cancelled(browser, browser_context_args,
                                                                 screenshots):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Caio", f"slow-{secrets.token_hex(4)}@example.com", "uma senha longa")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1,
        "uploadThroughput": 256 * 1024})
    page.locator("#file-input").set_input_files([
        {"name": "video-longo.mp4", "mimeType": "video/mp4", "buffer": os.urandom(3_000_000)},
        {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": os.urandom(900_000)},
    ])
    status = page.locator(".upload-item", has_text="video-longo.mp4").locator(".upload-status")
    expect(status).to_contain_text(re.compile(r"de .* · .*/s · .* restantes"), timeout=10_000)
    shoot(page, screenshots, "upload-progress", {"desktop": (1280, 800), "phone": (375, 812)},
          full_page=False)
    page.get_by_role("button", name="Cancelar: video-longo.mp4").click()
    expect(status).to_have_text("Cancelado")
    expect(page.locator(".upload-item.is-done")).to_have_count(1, timeout=15_000)
    expect(page.locator(".file-row")).to_have_count(1)
    expect(page.locator(".file-row")).to_contain_text("foto.jpg")
    context.close()


def test_drag_and_drop_uploads(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Duda", f"drop-{secrets.token_hex(4)}@example.com", "uma senha longa")
    expect(page.locator("#files-app[data-ready]")).to_be_attached()
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(["um", "dois"], "arrastado.txt", {type: "text/plain"}));
        const zone = document.querySelector("[data-dropzone]");
        zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: data, bubbles: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true,
                                                  cancelable: true}));
    }""")
    expect(page.locator(".file-row")).to_have_count(1)
    expect(page.locator(".file-row")).to_contain_text("arrastado.txt")
    expect(page.locator(".file-row")).to_contain_text("6 B")
    context.close()


def test_large_files_go_through_the_resumable_upload(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Gil", f"big-{secrets.token_hex(4)}@example.com", "uma senha longa")
    tus_requests = []
    page.on("request", lambda r: tus_requests.append(r.method)
            if "/api/v1/uploads" in r.url else None)
    data = os.urandom(9 * 1024 * 1024)
    page.locator("#file-input").set_input_files(
        [{"name": "grande.bin", "mimeType": "application/octet-stream", "buffer": data}])
    expect(page.locator(".upload-item.is-done")).to_have_count(1, timeout=30_000)
    expect(page.locator(".file-row")).to_contain_text("grande.bin")
    assert "POST" in tus_requests and "PATCH" in tus_requests
    file_id = page.locator(".file-row").get_attribute("data-id")
    body = context.request.get(f"/api/v1/files/{file_id}/download").body()
    assert body == data
    context.close()
