"""An upload link's public page in Chromium: a visitor with no account gives the password,
their name, a file (by the plain form, as a browser without scripts does), and gets a
receipt; axe-clean in light and dark, from 320 px up."""

from __future__ import annotations

import hashlib
import re
import secrets

from playwright.sync_api import expect

from .test_flows import sign_up
from .test_pages import check, csrf

PASSWORD = "uma senha longa"


def test_a_visitor_unlocks_names_themselves_and_sends_a_file(browser, browser_context_args,
                                                              screenshots, tmp_path):
    owner = browser.new_context(**browser_context_args)
    sign_up(owner.new_page(), "Ana", f"req-{secrets.token_hex(4)}@example.com", PASSWORD)
    rv = owner.request.post("/api/v1/requests", headers={"X-CSRF-Token": csrf(owner)}, data={
        "title": "Fotos do evento", "message": "Mandem as melhores, por favor.",
        "password": "segredo", "require_name": True, "max_files": 10,
        "max_file_bytes": 5_000_000})
    assert rv.status == 201, rv.text()
    link = rv.json()["request"]

    visitor = browser.new_context(**browser_context_args)
    page = visitor.new_page()
    page.goto(f"/r/{link['token']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Digite a senha para enviar arquivos")
    expect(page.get_by_text("Fotos do evento")).to_have_count(0)
    check(page, screenshots, "request-locked")
    page.get_by_label("Senha").fill("segredo")
    page.get_by_role("button", name="Desbloquear").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fotos do evento")
    expect(page.get_by_text("Até 10 arquivos")).to_be_visible()
    check(page, screenshots, "request-page")

    # With scripts, the page is a drop zone (test_request_uploads.py sends through it);
    # the plain form is for browsers without them.
    expect(page.locator("[data-dropzone]")).to_contain_text("Solte arquivos aqui para enviar")
    expect(page.get_by_label("Arquivo", exact=True)).to_have_count(0)

    nojs = browser.new_context(**browser_context_args, java_script_enabled=False)
    nojs.add_cookies(visitor.cookies())  # the password's cookie
    plain = nojs.new_page()
    plain.goto(f"/r/{link['token']}")
    data = b"\xff\xd8 foto " * 1000
    sent = tmp_path / "foto.jpg"
    sent.write_bytes(data)
    plain.get_by_label("Seu nome").fill("Rui Barbosa")
    plain.get_by_label("Arquivo", exact=True).set_input_files(str(sent))
    plain.get_by_role("button", name="Enviar").click()
    expect(plain.get_by_role("status")).to_contain_text("foto.jpg")
    expect(plain.locator(".receipt")).to_contain_text(hashlib.sha256(data).hexdigest())
    plain.screenshot(path=str(screenshots / "request-receipt-noscript.png"), full_page=True)

    files = owner.request.get("/api/v1/files").json()["files"]
    assert [f["name"] for f in files] == ["foto.jpg"]
    assert re.fullmatch(r"[0-9a-f]{64}", files[0]["sha256"])
    for context in (owner, visitor, nojs):
        context.close()
