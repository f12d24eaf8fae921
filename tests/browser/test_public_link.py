"""The public link page and the owner's previews, judged by what Chromium renders:
every preview kind on both pages, the password page, and a link whose downloads run out."""

from __future__ import annotations

import base64
import io
import math
import os
import re
import secrets
import struct
import wave
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import wait_until
from .test_flows import sign_up
from .test_pages import check, csrf, share, upload

PASSWORD = "uma senha longa"


def make_pdf(text: str = "Compartilha") -> bytes:
    """A one-page PDF with a line of text (a real one: the viewer must be able to draw it)."""
    stream = f"BT /F1 24 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def make_wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 4)))
                                 for i in range(int(8000 * seconds))))
    return buffer.getvalue()


def make_webm(browser) -> bytes:
    """Half a second of video recorded by Chromium itself (no ffmpeg needed)."""
    page = browser.new_page()
    data = page.evaluate("""async () => {
        const canvas = document.createElement('canvas'); canvas.width = 160; canvas.height = 90;
        const g = canvas.getContext('2d');
        const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: 'video/webm'});
        const parts = []; recorder.ondataavailable = (e) => parts.push(e.data);
        const done = new Promise((r) => { recorder.onstop = r; });
        recorder.start();
        for (let i = 0; i < 15; i++) {
            g.fillStyle = `hsl(${i * 20}, 80%, 50%)`; g.fillRect(0, 0, 160, 90);
            await new Promise((r) => setTimeout(r, 40));
        }
        recorder.stop(); await done;
        const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
        let s = ''; for (const b of bytes) s += String.fromCharCode(b);
        return btoa(s);
    }""")
    page.close()
    return base64.b64decode(data)


@pytest.fixture(scope="module")
def owner(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Bruno Lima", f"bruno-{secrets.token_hex(3)}@example.com", PASSWORD)
    picture = page.screenshot(type="png", clip={"x": 0, "y": 0, "width": 200, "height": 120})
    page.close()
    files = {
        "image": upload(context, "foto.png", "image/png", picture),
        "pdf": upload(context, "contrato.pdf", "application/pdf", make_pdf()),
        "text": upload(context, "nota.txt", "text/plain", "olá, mundo\n".encode() * 10),
        "audio": upload(context, "som.wav", "audio/wav", make_wav()),
        "video": upload(context, "filme.webm", "video/webm", make_webm(browser)),
    }
    yield {"context": context, "files": files}
    context.close()


# What "rendered" means for each kind, given the preview's container.
RENDERED = {
    "image": "box => { const i = box.querySelector('img');"
             " return !!i && i.complete && i.naturalWidth > 0; }",
    "text": "box => (box.querySelector('pre')?.textContent || '').includes('olá, mundo')",
    "audio": "box => { const m = box.querySelector('audio');"
             " return !!m && m.readyState >= 1 && m.duration > 0.5; }",
    "video": "box => { const m = box.querySelector('video');"
             " return !!m && m.readyState >= 1 && m.videoWidth === 160; }",
}


def pdf_rendered(page, box_selector: str) -> None:
    """The frame holds Chromium's PDF viewer, not the error page of a refused frame."""
    frame_element = page.locator(f"{box_selector} iframe")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    deadline = 50
    while frame.url in ("", "about:blank") and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert not frame.url.startswith("chrome-error:"), "the browser refused to frame the PDF"
    # The viewer titles itself after the URL's last segment: the file's name, not "preview".
    assert frame.url.endswith("/preview/contrato.pdf")
    # A refused frame has no document; an allowed one holds the viewer's <embed>.
    assert frame.evaluate("() => document.contentType") == "application/pdf"


def check_rendered(page, kind: str, box_selector: str) -> None:
    if kind == "pdf":
        pdf_rendered(page, box_selector)
        return
    wait_until(page, f"() => ({RENDERED[kind]})(document.querySelector({box_selector!r}))")


@pytest.mark.parametrize("kind", ["image", "pdf", "text", "audio", "video"])
def test_every_preview_renders_for_the_owner_and_the_recipient(browser, browser_context_args,
                                                                owner, kind):
    record = owner["files"][kind]
    page = owner["context"].new_page()
    page.goto("/files")
    page.locator(f".file-row[data-id='{record['id']}']").get_by_role(
        "button", name="Visualizar").click()
    check_rendered(page, kind, "#preview-dialog [data-preview-area]")
    page.close()

    link = share(owner["context"], record["id"])
    stranger = browser.new_context(**browser_context_args)
    page = stranger.new_page()
    page.goto(f"/s/{link['token']}")
    check_rendered(page, kind, ".share-preview")
    stranger.close()


def test_no_page_logs_an_unrecognised_permissions_policy_feature(browser, browser_context_args,
                                                                   owner):
    link = share(owner["context"], owner["files"]["image"]["id"])
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    for path in ("/", "/login", f"/s/{link['token']}"):
        page.goto(path)
        page.wait_for_load_state("load")
    context.close()
    assert [m for m in messages if "Permissions-Policy" in m or "feature" in m] == []


def stranger_page(browser, browser_context_args, path: str):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto(path)
    return context, page


def test_the_count_updates_after_each_download_and_the_last_one_ends_the_page(
        browser, browser_context_args, owner):
    link = share(owner["context"], owner["files"]["text"]["id"], max_downloads=2)
    context, page = stranger_page(browser, browser_context_args, f"/s/{link['token']}")
    left = page.locator("[data-left]")
    expect(left).to_have_text("Restam 2 downloads")
    with page.expect_download() as first:
        page.get_by_role("link", name="Baixar").click()
    assert first.value.suggested_filename == "nota.txt"
    expect(left).to_have_text("Resta 1 download", timeout=15_000)
    with page.expect_download():
        page.get_by_role("link", name="Baixar").click()
    # The link has ended: the page says so instead of offering a download that would fail.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Este link atingiu o limite de downloads", timeout=15_000)
    expect(page.get_by_role("link", name="Baixar")).to_have_count(0)
    context.close()


def test_a_refused_download_opens_the_page_that_says_why(browser, browser_context_args, owner):
    link = share(owner["context"], owner["files"]["text"]["id"], max_downloads=1)
    context, page = stranger_page(browser, browser_context_args, f"/s/{link['token']}")
    expect(page.locator("[data-left]")).to_have_text("Resta 1 download")
    # Someone else takes the last download while this page sits open.
    other = browser.new_context(**browser_context_args)
    assert other.request.get(f"/s/{link['token']}/download").status == 200
    other.close()
    downloads: list = []
    page.on("download", lambda download: downloads.append(download))
    with page.expect_navigation():
        page.get_by_role("link", name="Baixar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Este link atingiu o limite de downloads")
    page.wait_for_timeout(500)
    assert downloads == [], "the error page was saved as a file"
    context.close()


def test_the_password_page_tells_nothing_until_the_password_then_unlocks(
        browser, browser_context_args, owner):
    record = owner["files"]["image"]
    link = share(owner["context"], record["id"], password="segredo123")
    context, page = stranger_page(browser, browser_context_args, f"/s/{link['token']}")
    text = page.locator("body").inner_text()
    for secret in ("foto.png", "Bruno", "PNG", "image/png", "KB"):
        assert secret not in text and secret not in page.title(), secret
    assert page.locator("img").count() == 0

    page.get_by_label("Senha").fill("errada!")
    page.get_by_role("button", name="Desbloquear").click()
    expect(page.get_by_role("alert")).to_contain_text("Senha incorreta")
    assert "foto.png" not in page.locator("body").inner_text()

    page.get_by_label("Senha").fill("segredo123")
    page.get_by_role("button", name="Desbloquear").click()
    # Unlocked: the file, its preview and a download, and no trace of the wrong try.
    expect(page.get_by_role("status")).to_contain_text("Senha aceita")
    expect(page.get_by_role("heading", level=1)).to_have_text("foto.png")
    expect(page.get_by_text("Bruno Lima compartilhou um arquivo com você")).to_be_visible()
    expect(page.get_by_text("Imagem PNG")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator(".share-preview img")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Baixar").click()
    assert download.value.suggested_filename == "foto.png"
    context.close()


def test_text_preview_notes_a_cut_only_when_the_file_was_cut(browser, browser_context_args,
                                                              owner):
    long_text = upload(owner["context"], "longo.txt", "text/plain", b"linha\n" * 60_000)
    for record, cut in ((owner["files"]["text"], False), (long_text, True)):
        link = share(owner["context"], record["id"])
        context, page = stranger_page(browser, browser_context_args, f"/s/{link['token']}")
        expect(page.locator(".share-preview pre")).to_be_visible()
        note = page.locator(".share-preview .preview-note")
        if not cut:
            expect(note).to_have_count(0)
        else:
            expect(note).to_have_text("Mostrando o início do arquivo.")
            pre = page.locator(".share-preview pre").bounding_box()
            box = note.bounding_box()
            assert box["width"] >= pre["width"] - 1 and box["y"] >= pre["y"] + pre["height"]
        context.close()


def test_share_dialog_marks_every_wrong_field_in_portuguese(owner):
    page = owner["context"].new_page()
    page.goto("/files")
    page.locator(f".file-row[data-id='{owner['files']['text']['id']}']").get_by_role(
        "button", name="Compartilhar").click()
    dialog = page.locator("#share-dialog")
    # The limits are there before anything is typed.
    expect(dialog).to_contain_text("De 1 a 1.000.000. Deixe vazio para não ter limite.")
    expect(dialog).to_contain_text("Pelo menos 4 caracteres")
    dialog.get_by_label("Expira", exact=True).select_option("custom")
    dialog.get_by_label("Data e hora de expiração").fill("2020-01-01T10:00")
    dialog.get_by_label("Limite de downloads").fill("0")
    dialog.get_by_label("Senha (opcional)").fill("abc")
    dialog.get_by_label("Só para esta pessoa (opcional)").fill("bruno@")
    dialog.get_by_role("button", name="Criar link").click()
    expected = {
        "Data e hora de expiração": "A data de expiração precisa estar no futuro.",
        "Limite de downloads": "Informe um limite de downloads de 1 a 1.000.000.",
        "Senha (opcional)": "A senha do link precisa de ao menos 4 caracteres.",
        "Só para esta pessoa (opcional)": "Informe um e-mail válido.",
    }
    for label, message in expected.items():
        field = dialog.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(dialog.get_by_label("Data e hora de expiração")).to_be_focused()
    expect(dialog.get_by_role("alert")).to_have_text("4 campos precisam de correção.")
    text = dialog.inner_text()
    assert "`" not in text and "Invalid value" not in text
    page.close()


def test_sign_up_marks_every_wrong_field(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/signup")
    expect(page.get_by_text("Pelo menos 8 caracteres")).to_be_visible()
    page.get_by_label("Nome").fill(" ")
    page.get_by_label("E-mail").fill("ana@")
    page.get_by_label("Senha").fill("1234")
    # The browser's own checks would stop at the first field; the server's answer is judged.
    page.locator("form[action='/signup']").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Criar conta").click()
    for label in ("Nome", "E-mail", "Senha"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Nome")).to_have_accessible_description(
        "Informe um nome de 1 a 255 caracteres.")
    expect(page.get_by_label("E-mail")).to_have_accessible_description(
        "Informe um e-mail válido.")
    expect(page.get_by_label("Senha")).to_have_accessible_description(re.compile(
        "A senha deve ter de 8 a 1024 caracteres"))
    context.close()


def test_my_links_filter_search_and_protection(owner):
    context = owner["context"]
    files = owner["files"]
    share(context, files["video"]["id"])
    share(context, files["pdf"]["id"], recipient_email="carla@example.com")
    share(context, files["pdf"]["id"], recipient_email="carla@example.com", password="segredo1")
    ended = share(context, files["audio"]["id"])
    context.request.delete(f"/api/v1/shares/{ended['id']}",
                           headers={"X-CSRF-Token": csrf(context)})
    page = context.new_page()
    page.goto("/links")
    page.get_by_label("Nome do arquivo").fill("CONTRATO")
    page.get_by_role("button", name="Filtrar").click()
    cards = page.locator(".link-card")
    assert "q=CONTRATO" in page.url
    expect(cards).to_have_count(page.locator(".link-card", has_text="contrato.pdf").count())
    expect(cards.filter(has_text="Só para carla@example.com")).to_have_count(2)
    both = cards.filter(has_text="Só para carla@example.com").filter(
        has=page.locator(".protection", has_text="Senha"))
    expect(both).to_have_count(1)
    assert "Nenhuma" not in cards.filter(has_text="carla@example.com").first.inner_text()

    page.get_by_label("Mostrar").select_option("ended")
    page.get_by_label("Nome do arquivo").fill("")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator(".link-card.state-active")).to_have_count(0)
    expect(cards.filter(has_text="som.wav")).to_have_count(1)
    page.get_by_label("Mostrar").select_option("active")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator(".link-card:not(.state-active)")).to_have_count(0)
    expect(page.locator(".link-card", has_text="Nenhuma: qualquer pessoa com o link").first
           ).to_be_visible()
    page.close()


DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def document(page, name: str) -> None:
    """With DOCS_SCREENSHOTS=1, the state at 375 and 1280 px (light) for docs/screenshots."""
    if os.environ.get("DOCS_SCREENSHOTS") != "1":
        return
    original = page.viewport_size
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    for width, height in ((375, 812), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        page.screenshot(path=str(DOCS / f"{name}-{width}.png"),
                        full_page=not name.startswith("dialog"), animations="disabled")
    page.set_viewport_size(original)


def judge(page, screenshots, name: str) -> None:
    check(page, screenshots, name)  # axe in light and dark, no sideways scroll, screenshots
    document(page, name)


def test_changed_states_are_accessible(browser, browser_context_args, owner, screenshots):
    files = owner["files"]
    locked = share(owner["context"], files["image"]["id"], password="segredo123")
    context, page = stranger_page(browser, browser_context_args, f"/s/{locked['token']}")
    page.get_by_label("Senha").fill("errada!")
    page.get_by_role("button", name="Desbloquear").click()
    judge(page, screenshots, "link-locked")
    page.get_by_label("Senha").fill("segredo123")
    page.get_by_role("button", name="Desbloquear").click()
    wait_until(page, "() => document.querySelector('.share-preview img')?.naturalWidth > 0")
    judge(page, screenshots, "link-unlocked")

    pdf = share(owner["context"], files["pdf"]["id"])
    page.goto(f"/s/{pdf['token']}")
    pdf_rendered(page, ".share-preview")
    judge(page, screenshots, "link-pdf")

    long_text = upload(owner["context"], "registro.txt", "text/plain",
                       b"2026-11-30 10:00 tudo certo\n" * 12_000)
    text = share(owner["context"], long_text["id"])
    page.goto(f"/s/{text['token']}")
    expect(page.locator(".share-preview .preview-note")).to_be_visible()
    judge(page, screenshots, "link-text-cut")

    limited = share(owner["context"], files["text"]["id"], max_downloads=1)
    page.goto(f"/s/{limited['token']}")
    judge(page, screenshots, "link-limited")
    with page.expect_download():
        page.get_by_role("link", name="Baixar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Este link atingiu o limite de downloads", timeout=15_000)
    judge(page, screenshots, "link-used-up")
    context.close()

    page = owner["context"].new_page()
    page.goto("/files")
    page.locator(f".file-row[data-id='{files['text']['id']}']").get_by_role(
        "button", name="Compartilhar").click()
    dialog = page.locator("#share-dialog")
    dialog.get_by_label("Expira", exact=True).select_option("custom")
    dialog.get_by_label("Data e hora de expiração").fill("2020-01-01T10:00")
    dialog.get_by_label("Limite de downloads").fill("0")
    dialog.get_by_label("Senha (opcional)").fill("abc")
    dialog.get_by_role("button", name="Criar link").click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    judge(page, screenshots, "dialog-share-errors")
    page.goto("/links?show=active&q=contrato")
    judge(page, screenshots, "links-filtered")
    page.close()

    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/signup")
    page.get_by_label("Nome").fill(" ")
    page.get_by_label("E-mail").fill("ana@")
    page.get_by_label("Senha").fill("1234")
    page.locator("form[action='/signup']").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Criar conta").click()
    judge(page, screenshots, "signup-errors")
    context.close()
