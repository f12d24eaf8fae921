"""An upload link's page in Chromium, on SQLite, MariaDB and MariaDB with S3 (issue 17,
"Done when"): an anonymous visitor gives the link's password and their name, sends three
files by tus (one large, cut by a dropped network and by a reload, resumed from the
server's offset), keeps a receipt (saved as a text file); the files arrive in the owner's
folder with their provenance; a fourth file past the 3-file limit and one over the size
limit are refused in words with nothing stored; a revoked link stops an upload in flight;
a dropped folder keeps its tree; the visitor never sees anything of the owner's. Pages
pass axe-core in light and dark; screenshots at 375 and 1280 px."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from compartilha.services import request_notices
from tests.helpers import run_due_jobs

from .conftest import APPS, REQUEST_QUIET_SECONDS, shoot
from .test_flows import sign_up
from .test_folders import DROP_FOLDER
from .test_pages import csrf
from .test_uploads import SIZES, accessible, throttle

MiB = 1024 * 1024
PASSWORD = "uma senha longa"
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def browser_context_args(on_both_databases):
    """These tests run on SQLite, on MariaDB, and on MariaDB with the files on S3."""
    return on_both_databases


def owner_with_link(browser, browser_context_args, **options):
    owner = browser.new_context(**browser_context_args)
    sign_up(owner.new_page(), "Ana", f"ana-{secrets.token_hex(4)}@example.com", PASSWORD)
    rv = owner.request.post("/api/v1/requests", headers={"X-CSRF-Token": csrf(owner)},
                            data={"title": "Fotos do evento", **options})
    assert rv.status == 201, rv.text()
    # A file of the owner's own, outside the link's folder: every test of the module then
    # stores something, so the S3 run's check that the module's files reached the bucket
    # holds on whichever worker a test lands (a revoked link stores nothing of its own).
    own = owner.request.post("/api/v1/files", headers={"X-CSRF-Token": csrf(owner)}, multipart={
        "file": {"name": "do-dono.txt", "mimeType": "text/plain", "buffer": b"do dono"}})
    assert own.status == 201, own.text()
    return owner, rv.json()["request"]


def folder_files(owner, folder_id: int) -> dict[str, dict]:
    rv = owner.request.get(f"/api/v1/files?folder_id={folder_id}")
    assert rv.ok, rv.text()
    return {f["name"]: f for f in rv.json()["files"]}


def owner_file_into(owner, folder_id: int, name: str, data: bytes) -> None:
    rv = owner.request.post("/api/v1/files", headers={"X-CSRF-Token": csrf(owner)}, multipart={
        "file": {"name": name, "mimeType": "application/octet-stream", "buffer": data},
        "folder_id": str(folder_id)})
    assert rv.status == 201, rv.text()


def visit(browser, browser_context_args, token: str, password: str | None = None):
    visitor = browser.new_context(**browser_context_args)
    page = visitor.new_page()
    page.goto(f"/r/{token}")
    if password:
        page.get_by_label("Senha").fill(password)
        page.get_by_role("button", name="Desbloquear").click()
    expect(page.locator("#request-app[data-ready]")).to_be_attached()
    return visitor, page


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def left_unfinished(visitor, page, token: str, path, data: bytes, sent: int) -> None:
    """What a reload in the middle of a tus upload leaves, made exactly: the server holds
    the first `sent` bytes and this browser remembers the upload's URL (keyed as
    tus-client.js keys it). The visitor's cookies carry the link's password."""
    os.utime(path, (1_700_000_000, 1_700_000_000))  # File.lastModified, known
    endpoint = f"/r/{token}/uploads"
    rv = visitor.request.post(endpoint, headers={
        **TUS, "Upload-Length": str(len(data)),
        "Upload-Metadata": f"filename {b64(path.name)},uploader_name {b64('Rui Barbosa')}"})
    assert rv.status == 201, rv.text()
    url = rv.headers["location"]
    rv = visitor.request.patch(url, data=data[:sent], headers={
        **TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert rv.status == 204, rv.text()
    key = f"tus:{endpoint}:{path.name}:{len(data)}:1700000000000"
    page.evaluate("([key, url]) => localStorage.setItem(key, url)", [key, url])


def test_a_visitor_sends_three_files_and_keeps_a_receipt(browser, browser_context_args,
                                                         screenshots, tmp_path):
    owner, link = owner_with_link(browser, browser_context_args, password="segredo",
                                  require_name=True, max_files=3, max_file_bytes=11 * MiB,
                                  show_uploads=True, message="Mandem as melhores.")
    token, folder = link["token"], link["folder_id"]
    # The owner's own files in the same folder: the visitor must see nothing of them, and
    # their foto.jpg makes the visitor's one "foto (2).jpg" there, which the receipt hides.
    owner_file_into(owner, folder, "contrato-secreto.pdf", b"%PDF segredo")
    owner_file_into(owner, folder, "foto.jpg", b"do dono")

    visitor, page = visit(browser, browser_context_args, token, "segredo")
    seen: list[str] = []

    def answered(response):
        if "/r/" in response.url and response.request.method in ("GET", "POST"):
            try:
                seen.append(response.text())
            except Exception:  # noqa: S110 - a redirect has no body to read
                pass

    page.on("response", answered)
    card = page.locator("#request-app")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fotos do evento")
    for fact in ("Até 3 arquivos", "Cada arquivo com até 11 MB"):
        expect(card.locator(".share-facts")).to_contain_text(fact)
    expect(page.get_by_label("Arquivo", exact=True)).to_have_count(0)  # the no-script form
    accessible(page, "request-upload-page")
    shoot(page, screenshots, "request-upload-page", SIZES)

    # The name comes before any byte.
    uploads = []
    page.on("request", lambda r: uploads.append(r) if "/uploads" in r.url else None)
    page.locator("#request-files").set_input_files(
        [{"name": "notas.txt", "mimeType": "text/plain", "buffer": b"notas"}])
    expect(page.locator("[data-sender-error]")).to_have_text(
        "Preencha os campos acima antes de escolher os arquivos.")
    assert uploads == [] and page.locator(".upload-item").count() == 0
    page.get_by_label("Seu nome").fill("Rui Barbosa")
    expect(page.locator("[data-sender-error]")).to_be_hidden()

    # Over the link's size limit: refused here, not one byte sent.
    big = tmp_path / "grande-demais.iso"
    with open(big, "wb") as fh:
        fh.truncate(12 * MiB)
    page.locator("#request-files").set_input_files(str(big))
    refused = page.locator(".upload-item", has_text="grande-demais.iso")
    expect(refused.locator(".upload-status")).to_have_text(
        "Maior que o limite de 11 MB por arquivo.")
    page.wait_for_timeout(300)
    assert uploads == []

    photo = os.urandom(200_000)
    page.locator("#request-files").set_input_files(
        [{"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    expect(page.locator(".upload-item.is-done")).to_have_count(1, timeout=20_000)
    receipt = page.locator("[data-receipt]")
    expect(receipt).to_contain_text(hashlib.sha256(photo).hexdigest())

    # A large file cut by a reload: the server holds 4 MiB of it; after the reload the page
    # lists it, and choosing it again resumes there (the first try of which a dropped
    # network cuts too).
    video = tmp_path / "video.mov"
    video_data = os.urandom(10 * MiB)
    video.write_bytes(video_data)
    left_unfinished(visitor, page, token, video, video_data, 4 * MiB)
    page.reload()
    expect(page.locator("#request-app[data-ready]")).to_be_attached()
    expect(receipt.locator("li")).to_have_count(1)  # what this visit sent, kept in the tab
    pending = page.locator("[data-pending-uploads]")
    expect(pending.locator("li")).to_contain_text("video.mov · 40% enviado (4 MB de 10 MB)")
    accessible(page, "request-pending")

    cut = []

    def drop_first_patch(route):
        # The video's first PATCH (notas.txt goes at the same time, from offset 0): a
        # video that did not resume would start at 0 too, and never be cut.
        if (route.request.method == "PATCH" and not cut
                and route.request.headers["upload-offset"] != "0"):
            cut.append(route.request.headers["upload-offset"])
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r"/r/[^/]+/uploads/"), drop_first_patch)
    patches = []
    page.on("request", lambda r: patches.append(int(r.headers["upload-offset"]))
            if r.method == "PATCH" else None)
    page.get_by_label("Seu nome").fill("Rui Barbosa")
    notes = b"uma nota\n" * 100
    notes_file = video.parent / "notas.txt"
    notes_file.write_bytes(notes)
    page.locator("#request-files").set_input_files([str(video), str(notes_file)])
    expect(pending).to_be_hidden()
    expect(page.locator(".upload-item.is-done")).to_have_count(2, timeout=60_000)
    assert cut == [str(4 * MiB)], cut  # it resumed where the server was, and again after the cut
    assert min(p for p in patches if p > 0) == 4 * MiB, patches
    expect(receipt.locator("li")).to_have_count(3)
    for data in (photo, video_data, notes):
        expect(receipt).to_contain_text(hashlib.sha256(data).hexdigest())
    expect(receipt).to_contain_text("foto.jpg")
    page.unroute(re.compile(r"/r/[^/]+/uploads/"))
    accessible(page, "request-receipt")
    shoot(page, screenshots, "request-receipt", SIZES)

    with page.expect_download() as saved:
        receipt.get_by_role("button", name="Salvar o recibo").click()
    text = Path(saved.value.path()).read_text(encoding="utf-8")
    assert "Enviado por: Rui Barbosa" in text
    for name, data in (("foto.jpg", photo), ("video.mov", video_data), ("notas.txt", notes)):
        assert f"{name}\t{len(data)} B\tSHA-256 {hashlib.sha256(data).hexdigest()}" in text

    # The fourth file: the link is full, said in words; nothing stored.
    page.locator("#request-files").set_input_files(
        [{"name": "quarto.txt", "mimeType": "text/plain", "buffer": b"4"}])
    fourth = page.locator(".upload-item", has_text="quarto.txt")
    expect(fourth).to_have_class(re.compile("is-failed"), timeout=20_000)
    expect(fourth.locator(".upload-status")).to_have_text(
        "Não enviado: este link já recebeu todos os arquivos que aceita.")
    expect(fourth.get_by_role("button", name="Tentar de novo: quarto.txt")).to_have_count(0)

    # The owner's folder: theirs, and the visitor's three with where they came from.
    files = folder_files(owner, folder)
    assert sorted(files) == ["contrato-secreto.pdf", "foto (2).jpg", "foto.jpg",
                             "notas.txt", "video.mov"]
    for name, data in (("foto (2).jpg", photo), ("video.mov", video_data), ("notas.txt", notes)):
        assert files[name]["sha256"] == hashlib.sha256(data).hexdigest()
        if "received" in files[name]:  # provenance: part B of issue 17
            assert files[name]["received"]["sender_name"] == "Rui Barbosa"
            assert files[name]["received"]["request_id"] == link["id"]
    assert owner.request.get(f"/api/v1/requests/{link['id']}").json()["request"][
        "files_received"] == 3

    # The owner is told once, of the three: one notification when the link has been quiet
    # (every arrival scheduled a check; the first to find it quiet claims all three).
    def told() -> list[dict]:
        rv = owner.request.get("/api/v1/notifications")
        assert rv.ok, rv.text()
        return [n for n in rv.json()["notifications"] if n["kind"] == "request.received"]

    assert told() == []  # nothing while files may still come
    time.sleep(REQUEST_QUIET_SECONDS + 1.2)  # and MariaDB's whole second
    app = APPS[browser_context_args["base_url"]]
    assert run_due_jobs(app, request_notices.check_quiet, link["id"]) == 3
    [note] = told()
    assert (note["data"]["count"], note["data"]["sender_name"]) == (3, "Rui Barbosa")
    assert note["data"]["bytes"] == len(photo) + len(video_data) + len(notes)
    home = owner.new_page()
    home.goto("/notifications")
    expect(home.locator(".nav-notices .count-badge")).to_contain_text("1")
    expect(home.locator(".notice-row")).to_have_count(1)
    expect(home.locator(".notice-row")).to_contain_text("Rui Barbosa enviou 3 arquivos")
    home.close()

    # Nothing of the owner's reached the visitor: not in the page, not in any answer.
    html = page.content()
    for answer in [html, *seen]:
        assert "contrato-secreto" not in answer and "foto (2)" not in answer
    for context in (owner, visitor):
        context.close()


def test_a_revoked_link_stops_an_upload_in_flight(browser, browser_context_args, tmp_path):
    owner, link = owner_with_link(browser, browser_context_args)
    visitor, page = visit(browser, browser_context_args, link["token"])
    cdp = throttle(visitor, page, 256 * 1024)
    page.locator("#request-files").set_input_files(
        [{"name": "lento.bin", "mimeType": "application/octet-stream",
          "buffer": os.urandom(3 * MiB)}])
    status = page.locator(".upload-item .upload-status")
    expect(status).to_contain_text(re.compile(r"^[1-9]\d?% "), timeout=15_000)
    rv = owner.request.delete(f"/api/v1/requests/{link['id']}",
                              headers={"X-CSRF-Token": csrf(owner)})
    assert rv.status == 204
    item = page.locator(".upload-item")
    expect(item).to_have_class(re.compile("is-failed"), timeout=30_000)
    expect(status).to_have_text("Não enviado: quem pediu revogou este link.")
    cdp.detach()
    assert folder_files(owner, link["folder_id"]) == {}
    # And the page itself now says the link has ended.
    page.reload()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Fotos do evento")
    for context in (owner, visitor):
        context.close()


def test_a_dropped_folder_keeps_its_tree_below_the_links_folder(browser, browser_context_args):
    owner, link = owner_with_link(browser, browser_context_args, require_email=True,
                                  show_uploads=False)
    visitor, page = visit(browser, browser_context_args, link["token"])
    page.get_by_label("Seu e-mail").fill("rui@example.com")
    page.evaluate(DROP_FOLDER)
    expect(page.locator(".upload-item.is-done")).to_have_count(3, timeout=20_000)
    # Without show_uploads the receipt still covers this page's files, in this page only.
    page.reload()
    expect(page.locator("#request-app[data-ready]")).to_be_attached()
    expect(page.locator("[data-receipt]")).to_be_hidden()

    def folders(parent: int) -> dict[str, int]:
        rv = owner.request.get(f"/api/v1/folders?parent_id={parent}")
        return {f["name"]: f["id"] for f in rv.json()["folders"]}

    album = folders(link["folder_id"])["Album"]
    assert sorted(folder_files(owner, album)) == ["capa.txt"]
    assert sorted(folder_files(owner, folders(album)["fotos"])) == ["1.txt", "2.txt"]
    for context in (owner, visitor):
        context.close()


def test_without_scripts_the_form_still_sends_a_file(browser, browser_context_args, tmp_path):
    owner, link = owner_with_link(browser, browser_context_args, require_name=True)
    visitor = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = visitor.new_page()
    page.goto(f"/r/{link['token']}")
    expect(page.locator("[data-dropzone]")).to_be_hidden()
    data = b"sem script " * 100
    page.get_by_label("Seu nome").fill("Rui Barbosa")
    page.get_by_label("Arquivo", exact=True).set_input_files(
        [{"name": "nota.txt", "mimeType": "text/plain", "buffer": data}])
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator(".receipt")).to_contain_text(hashlib.sha256(data).hexdigest())
    assert sorted(folder_files(owner, link["folder_id"])) == ["nota.txt"]
    for context in (owner, visitor):
        context.close()


def test_an_english_visitor_reads_the_page_in_english(browser, browser_context_args):
    owner, link = owner_with_link(browser, browser_context_args, max_files=2)
    visitor = browser.new_context(**{**browser_context_args, "locale": "en-US"})
    page = visitor.new_page()
    page.goto(f"/r/{link['token']}")
    expect(page.locator("[data-dropzone]")).to_contain_text("Drop files here to upload")
    expect(page.locator(".share-facts")).to_contain_text("Up to 2 files")
    accessible(page, "request-english")
    for context in (owner, visitor):
        context.close()
