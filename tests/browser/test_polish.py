"""Polish of issue 12: file rows laid out alike at 768 px, phone buttons with a word a
sighted person can read (My files and Shared with me's "Abrir"), and the message after
logging out kept apart from the header."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.conftest import Verifier

from .conftest import axe_violations, shoot
from .test_flows import log_out, sign_up
from .test_pages import share, upload

PASSWORD = "uma senha longa"
ROWS = """() => [...document.querySelectorAll('.file-row')].map(row => {
    const main = row.querySelector('.file-main').getBoundingClientRect();
    const actions = row.querySelector('.file-actions').getBoundingClientRect();
    return actions.top >= main.bottom - 1;  // the buttons went to a line of their own
})"""
LABELS = """() => [...document.querySelectorAll('.file-actions .btn')]
    .filter(b => b.offsetParent !== null)
    .map(b => {
        const word = [...b.querySelectorAll('span')].find(s => !s.classList.contains(
            'visually-hidden'));
        const box = word.getBoundingClientRect();
        return {text: word.textContent, width: box.width, height: box.height,
                size: parseFloat(getComputedStyle(word).fontSize),
                fits: word.scrollWidth <= word.clientWidth + 1};
    })"""


@pytest.fixture(scope="module")
def people(browser, browser_context_args, live_server):
    suffix = secrets.token_hex(3)
    friend = browser.new_context(**browser_context_args)
    sign_up(friend.new_page(), "Rui", f"rui-{suffix}@example.com", PASSWORD)
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    email = f"ana-{suffix}@example.com"
    sign_up(page, "Ana", email, PASSWORD)
    Verifier(live_server.app).add(email)  # a link addressed to her opens once verified
    upload(context, "foto.png", "image/png", page.screenshot())  # previewable: 4 buttons
    upload(context, "planilha-de-custos-do-segundo-semestre.xlsx",
           "application/vnd.ms-excel", b"x" * 2000)  # not previewable: 3 buttons
    upload(context, "notas.txt", "text/plain", b"ola")
    given = upload(friend, "fotos-da-festa.zip", "application/zip", b"PK" + b"\0" * 300)
    share(friend, given["id"], recipient_email=email)
    friend.close()
    page.close()
    yield context
    context.close()


@pytest.mark.parametrize("width", [768, 640, 1024, 1280])
def test_file_rows_are_laid_out_alike(people, width):
    page = people.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/files")
    expect(page.locator(".file-row")).to_have_count(3)
    wrapped = page.evaluate(ROWS)
    assert len(set(wrapped)) == 1, f"{width} px: some rows wrap, some do not: {wrapped}"
    page.close()


@pytest.mark.parametrize("path", ["/files", "/shared"])
def test_phone_buttons_show_their_word(people, screenshots, path):
    page = people.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(path)
    page.evaluate("() => document.fonts.ready.then(() => true)")  # measure Inter, not a fallback
    labels = page.evaluate(LABELS)
    assert labels, path
    for label in labels:
        assert label["width"] > 20 and label["height"] > 8, label  # drawn, not clipped away
        assert label["size"] >= 11 and label["fits"], label
    if path == "/shared":
        assert [label["text"] for label in labels] == ["Abrir"]
    name = "polish-phone-" + path.strip("/")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        page.wait_for_timeout(250)
        assert axe_violations(page) == [], f"{name} ({scheme})"
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    shoot(page, screenshots, name, {"phone": (375, 812), "desktop": (1280, 800)})
    page.close()


def test_the_logout_message_is_not_flush_against_the_header(browser, browser_context_args,
                                                              screenshots):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Eva", f"eva-{secrets.token_hex(3)}@example.com", PASSWORD)
    log_out(page)
    flash = page.locator(".flash-success")
    expect(flash).to_be_visible()
    gap = page.evaluate("""() => document.querySelector('.flash').getBoundingClientRect().top
        - document.querySelector('.site-header').getBoundingClientRect().bottom""")
    assert gap >= 16, gap
    shoot(page, screenshots, "polish-logout", {"phone": (375, 812), "desktop": (1280, 800)},
          full_page=False)
    context.close()
