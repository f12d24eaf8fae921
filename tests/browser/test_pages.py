"""Every page: axe-core finds no WCAG 2.2 A/AA violation in light and dark themes, and
screenshots at 375x812, 768x1024 and 1280x800 go to test-artifacts/screenshots."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import Verifier

from .conftest import axe_violations, shoot, wait_until
from .test_flows import log_in, sign_up

PASSWORD = "uma senha longa"


def csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"].endswith("compartilha_csrf"))


def upload(context, name: str, mime: str, data: bytes) -> dict:
    rv = context.request.post("/api/v1/files", headers={"X-CSRF-Token": csrf(context)},
                              multipart={"file": {"name": name, "mimeType": mime, "buffer": data}})
    assert rv.status == 201, rv.text()
    return rv.json()["file"]


def share(context, file_id: int, **options) -> dict:
    rv = context.request.post(f"/api/v1/files/{file_id}/shares", data=options,
                              headers={"X-CSRF-Token": csrf(context)})
    assert rv.status == 201, rv.text()
    return rv.json()["share"]


@pytest.fixture(scope="module")
def site(browser, browser_context_args):
    """Two people with files and links, so that every page has something to show."""
    suffix = secrets.token_hex(3)
    owner_email, friend_email = f"ana-{suffix}@example.com", f"rui-{suffix}@example.com"
    friend = browser.new_context(**browser_context_args)
    sign_up(friend.new_page(), "Rui Barbosa", friend_email, PASSWORD)

    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Ana Souza", owner_email, PASSWORD)
    picture = page.screenshot(type="png")
    image = upload(context, "praia-de-copacabana.png", "image/png", picture)
    text = upload(context, "lista de compras.txt", "text/plain", "arroz\nfeijão\ncafé\n".encode())
    report = upload(context, "relatório anual 2025 — versão final para a diretoria.pdf",
                    "application/pdf", b"%PDF-1.4\n" + b"0" * 250_000)
    upload(context, "apresentacao.mp4", "video/mp4", b"\0" * 40_000)
    public = share(context, image["id"])
    locked = share(context, report["id"], password="segredo123", max_downloads=5)
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    revoked = share(context, text["id"], expires_at=soon)
    context.request.delete(f"/api/v1/shares/{revoked['id']}",
                           headers={"X-CSRF-Token": csrf(context)})

    friend_files = friend.request
    rv = friend_files.post("/api/v1/files", headers={"X-CSRF-Token": csrf(friend)}, multipart={
        "file": {"name": "fotos-da-festa.zip", "mimeType": "application/zip",
                 "buffer": b"PK" + b"\0" * 3000}})
    share(friend, rv.json()["file"]["id"], recipient_email=owner_email)
    friend.close()
    page.close()
    yield {"context": context, "public": public, "locked": locked, "revoked": revoked,
           "email": owner_email}
    context.close()


# Elements that stick out of the page (slides waiting off-screen in the carousel do not).
WIDER = """width => document.documentElement.scrollWidth <= width ? [] :
    [...document.querySelectorAll('body *')]
        .filter(e => !e.closest('.carousel-track') && e.getBoundingClientRect().right > width + 1)
        .slice(0, 5).map(e => `${e.tagName}.${e.getAttribute('class')}`)"""


def check(page, screenshots, name: str) -> None:
    page.wait_for_load_state("load")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        page.mouse.move(0, 0)
        page.wait_for_timeout(250)  # let colour transitions settle before measuring contrast
        violations = axe_violations(page)
        if violations:  # a real violation survives a second look; a repaint in flight does not
            page.wait_for_timeout(750)
            violations = axe_violations(page)
        assert violations == [], f"{name} ({scheme}): {violations}"
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    for width in (320, 1920):  # the layout holds from the smallest phone to a wide screen
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(WIDER, width)
        assert not overflow, f"{name} scrolls sideways at {width} px: {overflow}"
    full_page = not name.startswith("dialog")
    page.screenshot(path=str(screenshots / f"{name}-dark-desktop.png"), full_page=full_page)
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    shoot(page, screenshots, name, full_page=full_page)


ANONYMOUS = ["home", "login", "signup", "share-public", "share-password", "share-revoked",
             "not-found", "forgot", "reset", "verify"]


@pytest.mark.parametrize("name", ANONYMOUS)
def test_anonymous_pages(browser, browser_context_args, site, screenshots, name):
    paths = {"home": "/", "login": "/login", "signup": "/signup",
             "share-public": f"/s/{site['public']['token']}",
             "share-password": f"/s/{site['locked']['token']}",
             "share-revoked": f"/s/{site['revoked']['token']}", "not-found": "/nada-aqui",
             "forgot": "/forgot", "reset": "/reset", "verify": "/verify"}
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    response = page.goto(paths[name])
    expected = {"share-revoked": 410, "not-found": 404}.get(name, 200)
    assert response.status == expected
    if name == "share-public":
        expect(page.locator(".share-preview img")).to_be_visible()
    check(page, screenshots, name)
    context.close()


@pytest.mark.parametrize("name", ["files", "links", "shared", "account", "logout"])
def test_signed_in_pages(live_server, site, screenshots, name):
    Verifier(live_server.app).add(site["email"])  # "Shared with me" needs a verified address
    page = site["context"].new_page()
    page.goto(f"/{name}")
    expect(page.locator("h1")).to_be_visible()
    if name == "shared":
        expect(page.locator(".file-row")).to_have_count(1)
    check(page, screenshots, name)
    page.close()


def test_dialogs(site, screenshots):
    page = site["context"].new_page()
    page.goto("/files")
    row = page.locator(".file-row", has_text="praia-de-copacabana.png")
    row.get_by_role("button", name="Visualizar").click()
    expect(page.locator("#preview-dialog img")).to_be_visible()
    wait_until(page, "() => document.querySelector('#preview-dialog img').naturalWidth > 0")
    check(page, screenshots, "dialog-preview")
    page.locator("#preview-dialog").get_by_role("button", name="Fechar").click()

    page.locator(".file-row", has_text="lista de compras.txt").get_by_role(
        "button", name="Visualizar").click()
    expect(page.locator("#preview-dialog pre")).to_contain_text("feijão")
    page.keyboard.press("Escape")

    page.locator(".file-row", has_text="apresentacao.mp4").get_by_role(
        "button", name="Compartilhar").click()
    check(page, screenshots, "dialog-share-form")
    dialog = page.locator("#share-dialog")
    dialog.get_by_label("Expira", exact=True).select_option("custom")
    dialog.get_by_label("Data e hora de expiração").fill("2020-01-01T10:00")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.locator("[data-error-for='expires_at']")).not_to_be_empty()
    dialog.get_by_label("Expira", exact=True).select_option("604800")
    dialog.get_by_label("Só para esta pessoa (opcional)").fill("rui@example.com")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.locator("[data-share-link]")).to_have_value(re.compile(r"/s/"))
    wait_until(page, "() => document.querySelector('[data-share-qr]').naturalWidth > 0")
    check(page, screenshots, "dialog-share-result")
    page.close()


def test_delete_asks_first_and_updates_the_list(site):
    page = site["context"].new_page()
    page.goto("/files")
    rows = page.locator(".file-row")
    before = rows.count()
    row = rows.filter(has_text="apresentacao.mp4")
    row.get_by_role("button", name="Excluir").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Cancelar").click()
    expect(rows).to_have_count(before)
    row.get_by_role("button", name="Excluir").click()
    confirm.get_by_role("button", name="Confirmar").click()
    expect(rows).to_have_count(before - 1)
    page.reload()
    expect(rows).to_have_count(before - 1)
    page.close()


def test_revoke_from_my_links(site):
    page = site["context"].new_page()
    page.goto("/links")
    active = page.locator(".link-card.state-active")
    count = active.count()
    active.first.get_by_role("button", name=re.compile("Revogar")).click()
    page.locator("#confirm-dialog").get_by_role("button", name="Revogar").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".link-card.state-active")).to_have_count(count - 1)
    page.close()


def test_log_in_with_a_wrong_password_says_so(browser, browser_context_args, site):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    log_in(page, site["email"], "senha errada!")
    expect(page.get_by_role("alert")).to_contain_text("E-mail ou senha incorretos")
    context.close()


def test_keyboard_only(browser, browser_context_args, site):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Pular para o conteúdo")
    expect(skip).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.get_by_label("E-mail").focus()
    page.keyboard.type(site["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/files$"))
    # The page's scripts have run (module scripts, before "load"): on a loaded machine an
    # Enter pressed earlier reached a button with no handler yet.
    page.wait_for_load_state("load")
    wait_until(page, "() => document.documentElement.classList.contains('js')")
    share_button = page.locator(".file-row").first.get_by_role("button", name="Compartilhar")
    share_button.focus()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    dialog = page.locator("#share-dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('#share-dialog').contains("
                         "document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(share_button).to_be_focused()
    context.close()
