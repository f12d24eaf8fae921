"""A link to several things, as people use it: the owner shares a folder and a mixed set
from /shares/new, a visitor browses the link's page, downloads one file and the ZIP, and
the owner's edit on My links shows on the same URL."""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_flows import sign_up
from .test_pages import check, csrf, upload

PASSWORD = "uma senha longa"


@pytest.fixture(scope="module")
def browser_context_args(on_both_databases):
    """These tests run on SQLite, on MariaDB, and on MariaDB with the files on S3."""
    return on_both_databases


def folder(context, name: str, parent: int | None = None) -> int:
    rv = context.request.post("/api/v1/folders", headers={"X-CSRF-Token": csrf(context)},
                              data={"name": name, "parent_id": parent})
    assert rv.status == 201, rv.text()
    return rv.json()["folder"]["id"]


def move(context, file_id: int, folder_id: int) -> None:
    rv = context.request.patch(f"/api/v1/files/{file_id}", data={"folder_id": folder_id},
                               headers={"X-CSRF-Token": csrf(context)})
    assert rv.status == 200, rv.text()


@pytest.fixture(scope="module")
def owner(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, "Carla Dias", f"carla-{secrets.token_hex(3)}@example.com", PASSWORD)
    page.close()
    trip = folder(context, "Fotos da viagem")
    beach = folder(context, "Praia", trip)
    files = {name: upload(context, name, mime, data)["id"] for name, mime, data in [
        ("roteiro.txt", "text/plain", b"Dia 1: Salvador\n" * 40),
        ("mapa.txt", "text/plain", b"mapa " * 100),
        ("areia.txt", "text/plain", b"areia " * 300),
        ("recibo.txt", "text/plain", b"recibo " * 20)]}
    move(context, files["mapa.txt"], trip)
    move(context, files["areia.txt"], beach)
    yield {"context": context, "files": files, "trip": trip, "beach": beach}
    context.close()


def create_link(owner, query: str, title: str) -> str:
    """Through /shares/new, as the files page's multi-select gets there; the link's URL."""
    page = owner["context"].new_page()
    page.goto(f"/shares/new?{query}")
    page.get_by_label("Título (opcional)").fill(title)
    page.get_by_role("button", name="Criar link").click()
    expect(page.get_by_role("heading", name=re.compile("Seu link está pronto"))).to_be_visible()
    url = page.locator(".share-result input[readonly]").input_value()
    page.close()
    return url


def create_link_from_selection(owner, names: list[str], title: str) -> str:
    """Through the files page's multi-select, whose "Share" opens /shares/new."""
    page = owner["context"].new_page()
    page.goto("/files")
    for name in names:
        page.get_by_label(f"Selecionar {name}").check()
    page.locator("#bulk-form").get_by_role("button", name="Compartilhar").click()
    expect(page).to_have_url(re.compile(r"/shares/new\?"))
    page.get_by_label("Título (opcional)").fill(title)
    page.get_by_role("button", name="Criar link").click()
    expect(page.get_by_role("heading", name=re.compile("Seu link está pronto"))).to_be_visible()
    url = page.locator(".share-result input[readonly]").input_value()
    page.close()
    return url


def test_share_a_folder_and_a_mixed_set(browser, browser_context_args, owner, screenshots):
    page = owner["context"].new_page()
    page.goto(f"/shares/new?folder_ids={owner['trip']}&file_ids={owner['files']['roteiro.txt']}")
    expect(page.get_by_text("Fotos da viagem")).to_be_visible()
    check(page, screenshots, "share-new")
    page.close()
    folder_url = create_link(owner, f"folder_ids={owner['trip']}", "Só a pasta")
    mixed_url = create_link_from_selection(owner, ["Fotos da viagem", "roteiro.txt"],
                                           "Viagem inteira")

    visitor = browser.new_context(**browser_context_args)
    page = visitor.new_page()
    page.goto(folder_url)
    expect(page.get_by_role("heading", name="Só a pasta")).to_be_visible()
    page.goto(mixed_url)
    expect(page.get_by_role("heading", name="Viagem inteira")).to_be_visible()
    items = page.locator(".transfer-items .file-name")
    expect(items).to_have_text(["Fotos da viagem", "roteiro.txt"])
    button = page.locator("a[href$='/zip']")
    expect(button).to_contain_text(re.compile(r"Baixar tudo \(ZIP, [\d,]+ (KB|bytes)\)"))
    check(page, screenshots, "transfer")

    with page.expect_download() as one:
        page.locator(".file-row", has_text="roteiro.txt").get_by_role(
            "link", name=re.compile("Baixar")).click()
    assert Path(one.value.path()).read_bytes() == b"Dia 1: Salvador\n" * 40

    page.get_by_role("link", name="Fotos da viagem").click()
    expect(page.locator(".transfer-items .file-name")).to_have_text(["Praia", "mapa.txt"])
    page.get_by_role("link", name="Praia").click()
    expect(page.locator(".transfer-items .file-name")).to_have_text(["areia.txt"])
    expect(page.locator(".transfer-path li")).to_have_count(3)
    check(page, screenshots, "transfer-folder")

    with page.expect_download() as whole:
        page.locator("a[href$='/zip']").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(whole.value.path()).read_bytes()))
    assert archive.testzip() is None
    assert {"roteiro.txt", "Fotos da viagem/mapa.txt",
            "Fotos da viagem/Praia/areia.txt"} <= set(archive.namelist())
    assert whole.value.suggested_filename == "Viagem inteira.zip"

    # The owner edits the link on My links: same URL, new title, one item fewer.
    mine = owner["context"].new_page()
    mine.goto("/links")
    card = mine.locator(".link-card", has_text="Viagem inteira")
    card.locator("summary", has_text="Editar").click()
    card.get_by_label("Título (opcional)").fill("Só a pasta da viagem")
    card.get_by_label(re.compile(r"^roteiro\.txt")).uncheck()
    check(mine, screenshots, "links-edit")
    card.get_by_role("button", name="Salvar alterações").click()
    expect(mine.get_by_text("O link foi alterado")).to_be_visible()
    assert mine.locator(".link-card", has_text="Só a pasta da viagem").locator(
        "input[readonly]").input_value() == mixed_url
    mine.close()

    page.goto(mixed_url)
    expect(page.get_by_role("heading", name="Só a pasta da viagem")).to_be_visible()
    expect(page.locator(".transfer-items .file-name")).to_have_text(["Fotos da viagem"])
    assert page.request.get(mixed_url + f"/files/{owner['files']['roteiro.txt']}").status == 404
    visitor.close()
