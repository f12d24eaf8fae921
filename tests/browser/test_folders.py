"""The folder browser (issue 16) in Chromium against the live server: a folder chosen with
the folder picker (webkitdirectory) keeps its tree, one large file going by tus; new
folder, breadcrumbs, search; multi-select with bulk move and delete. Pages pass axe-core
in light and dark; screenshots at 375 and 1280 px (docs/screenshots holds the reviewed)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from .conftest import shoot, wait_until
from .test_uploads import SIZES, accessible, signed_up


@pytest.fixture(scope="module")
def browser_context_args(on_both_databases):
    """These tests run on SQLite, on MariaDB, and on MariaDB with the files on S3."""
    return on_both_databases


def api(page, method: str, path: str, body=None):
    """A call to the JSON API with the page's session (as the page's own scripts make)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const csrf = document.cookie.match(/compartilha_csrf=([^;]+)/);
            const r = await fetch(path, {method, headers: {'Content-Type': 'application/json',
                'X-CSRF-Token': csrf ? decodeURIComponent(csrf[1]) : ''},
                body: body ? JSON.stringify(body) : undefined});
            return r.status === 204 ? null : r.json();
        }""", [method, path, body])


def test_a_folder_upload_keeps_its_tree(browser, browser_context_args, screenshots, tmp_path):
    context, page = signed_up(browser, browser_context_args, "Bia")
    tree = tmp_path / "Viagem"
    (tree / "fotos" / "dia 1").mkdir(parents=True)
    (tree / "notas.txt").write_text("notas")
    (tree / "fotos" / "a.txt").write_text("a")
    (tree / "fotos" / "dia 1" / "b.txt").write_text("b")
    with open(tree / "fotos" / "grande.bin", "wb") as fh:  # over 8 MiB: sent by tus
        fh.write(os.urandom(9 * 1024 * 1024))
    page.locator("#folder-input").set_input_files(str(tree))
    expect(page.locator(".upload-item.is-done")).to_have_count(4, timeout=30_000)
    folder = page.locator(".folder-row", has_text="Viagem")
    expect(folder).to_be_visible()
    folder.locator("a.file-name").click()
    expect(page.locator("h1")).to_have_text("Viagem")
    expect(page.locator(".file-row:not(.folder-row) .file-name")).to_have_text(["notas.txt"])
    page.locator(".folder-row a.file-name", has_text="fotos").click()
    names = page.locator("[data-file-list] .file-name")
    expect(names).to_have_count(2)
    assert sorted(names.all_text_contents()) == ["a.txt", "grande.bin"]
    page.locator(".folder-row a.file-name", has_text="dia 1").click()
    expect(page.locator(".crumbs li")).to_have_text(["Meus arquivos", "Viagem", "fotos", "dia 1"])
    expect(page.locator("[data-file-list] .file-name")).to_have_text(["b.txt"])
    accessible(page, "a folder")
    shoot(page, screenshots, "folder-inside", SIZES)
    page.locator(".crumbs a", has_text="Viagem").click()
    expect(page.locator("h1")).to_have_text("Viagem")
    context.close()


def test_new_folder_search_bulk_move_and_delete(browser, browser_context_args, screenshots):
    context, page = signed_up(browser, browser_context_args, "Caio")
    for name in ("plano.txt", "orcamento.txt", "foto.png"):
        api(page, "POST", "/api/v1/folders", {"name": f"tmp-{name}"})
    page.reload()
    # A new folder from the dialog
    page.locator("[data-new-folder]").click()
    page.locator("#folder-name").fill("Projetos")
    page.locator("#folder-dialog button[type=submit]").click()
    expect(page.locator(".folder-row a.file-name", has_text="Projetos")).to_be_visible()
    for name in ("plano.txt", "orcamento.txt"):
        page.evaluate("""async (name) => {
            const body = new FormData();
            body.append('file', new File(['x'], name, {type: 'text/plain'}));
            const csrf = document.cookie.match(/compartilha_csrf=([^;]+)/);
            await fetch('/api/v1/files', {method: 'POST', body,
                headers: {'X-CSRF-Token': decodeURIComponent(csrf[1])}});
        }""", name)
    page.reload()
    expect(page.locator("#files-app[data-ready]")).to_be_attached()
    accessible(page, "the root with folders")
    shoot(page, screenshots, "folders-root", SIZES)
    # Select two files and move them into Projetos
    for name in ("plano.txt", "orcamento.txt"):
        page.locator(".file-row:not(.folder-row)", has_text=name).locator("[data-select]").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selecionados")
    expect(page.locator("[data-bulk]")).to_be_visible()
    shoot(page, screenshots, "folders-selected", SIZES)
    page.locator("[data-bulk-move]").click()
    page.locator("#folder-target").select_option(label="Projetos")
    page.locator("#folder-dialog button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("#files-app[data-ready]")).to_be_attached()
    expect(page.locator("[data-file-list] .file-row")).to_have_count(0)
    # Search finds them in their folder
    page.locator("#search-q").fill("PLANO")
    page.locator("#search-q").press("Enter")
    expect(page.locator("[data-file-list] .file-name")).to_have_text(["plano.txt"])
    expect(page.locator("[data-file-list] .file-where")).to_have_text("Projetos")
    accessible(page, "search results")
    # Deleting one folder says what goes with it
    page.goto("/files")
    expect(page.locator("#files-app[data-ready]")).to_be_attached()
    page.locator(".folder-row", has_text="Projetos").locator('[data-action="delete"]').click()
    expect(page.locator("#confirm-dialog [data-confirm-text]")).to_have_text(
        "Excluir a pasta “Projetos” e tudo o que há nela: 2 arquivos? "
        "Os links para eles deixarão de funcionar.")
    page.locator("#confirm-dialog button[value=cancel]").click()
    page.locator(".folder-row", has_text="tmp-foto.png").locator('[data-action="delete"]').click()
    expect(page.locator("#confirm-dialog [data-confirm-text]")).to_have_text(
        "Excluir a pasta vazia “tmp-foto.png”?")
    page.locator("#confirm-dialog button[value=cancel]").click()
    # Bulk delete of folders, with their content, after a confirmation
    page.locator("[data-select-all]").check()
    page.locator("[data-bulk-delete]").click()
    expect(page.locator("#confirm-dialog [data-confirm-text]")).to_contain_text("4")
    page.locator("#confirm-dialog [data-confirm-ok]").click()
    wait_until(page, "() => document.querySelectorAll('.file-row').length === 0")
    assert api(page, "GET", "/api/v1/files")["files"] == []
    assert api(page, "GET", "/api/v1/folders")["folders"] == []
    context.close()


# A dropped folder as Chromium hands it over (FileSystemEntry objects behind
# DataTransferItem.webkitGetAsEntry), built in the page: Playwright cannot drop real folders.
DROP_FOLDER = """() => {
    const file = (path, text) => ({isFile: true, isDirectory: false, fullPath: path,
        file(ok) { ok(new File([text], path.split('/').pop(), {type: 'text/plain'})); }});
    const dir = (path, children) => ({isFile: false, isDirectory: true, fullPath: path,
        createReader() { let given = false;
            return {readEntries(ok) { ok(given ? [] : (given = true, children)); }}; }});
    const tree = dir('/Album', [file('/Album/capa.txt', 'c'),
        dir('/Album/fotos', [file('/Album/fotos/1.txt', '1'), file('/Album/fotos/2.txt', '2')])]);
    const event = new Event('drop', {bubbles: true, cancelable: true});
    Object.defineProperty(event, 'dataTransfer', {value: {files: [], types: ['Files'],
        items: [{webkitGetAsEntry: () => tree}]}});
    document.dispatchEvent(event);
}"""


def test_a_dropped_folder_keeps_its_tree(browser, browser_context_args):
    context, page = signed_up(browser, browser_context_args, "Duda")
    page.evaluate(DROP_FOLDER)
    expect(page.locator(".upload-item.is-done")).to_have_count(3, timeout=20_000)
    page.locator(".folder-row a.file-name", has_text="Album").click()
    expect(page.locator("[data-file-list] .file-name")).to_have_text(["capa.txt"])
    page.locator(".folder-row a.file-name", has_text="fotos").click()
    expect(page.locator("[data-file-list] .file-name")).to_have_count(2)
    context.close()
