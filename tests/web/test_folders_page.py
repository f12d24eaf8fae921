"""My files as a folder browser, over HTTP: a folder's page, breadcrumbs, folders before
files, search across folders, the multi-select form for /shares/new, another's folder."""

from __future__ import annotations

import io
import re


def mkdir(client, account, name, parent_id=None):
    rv = client.post("/api/v1/folders", headers=account.headers,
                     json={"name": name, "parent_id": parent_id})
    return rv.get_json()["folder"]


def put(client, account, name, folder_id=None):
    data = {"file": (io.BytesIO(b"x"), name, "text/plain")}
    if folder_id:
        data["folder_id"] = str(folder_id)
    return client.post("/api/v1/files", headers=account.headers, data=data,
                       content_type="multipart/form-data").get_json()["file"]


def test_a_folder_page_has_breadcrumbs_and_folders_before_files(client, pages, auth):
    account = auth.login(pages.login())
    top = mkdir(client, account, "Projetos")
    sub = mkdir(client, account, "2026", top["id"])
    put(client, account, "dentro.txt", top["id"])
    put(client, account, "fora.txt")
    html = client.get(f"/files?folder={top['id']}").get_data(as_text=True)
    assert "<h1>Projetos</h1>" in html
    start = html.index('class="crumbs"')
    crumbs = html[start:html.index("</nav>", start)]
    assert "Meus arquivos" in crumbs and 'aria-current="page">Projetos' in crumbs
    assert html.index(f'href="/files?folder={sub["id"]}"') < html.index("dentro.txt")
    assert "fora.txt" not in html
    assert f'data-folder-id="{top["id"]}"' in html
    root = client.get("/files").get_data(as_text=True)
    assert "Projetos" in root and "fora.txt" in root and "dentro.txt" not in root
    assert 'class="crumbs"' not in root
    assert "1 pasta · 1 arquivo" in root


def test_the_selection_is_a_get_form_to_shares_new(client, pages, auth):
    account = auth.login(pages.login())
    folder = mkdir(client, account, "Docs")
    file = put(client, account, "a.txt")
    html = client.get("/files").get_data(as_text=True)
    assert re.search(r'<form[^>]*id="bulk-form"[^>]*method="get"[^>]*action="/shares/new"', html)
    assert f'form="bulk-form" name="file_ids" value="{file["id"]}"' in html
    assert f'form="bulk-form" name="folder_ids" value="{folder["id"]}"' in html
    assert 'webkitdirectory' in html


def test_search_lists_matches_from_every_folder(client, pages, auth):
    account = auth.login(pages.login())
    docs = mkdir(client, account, "Docs")
    put(client, account, "Relatório.pdf", docs["id"])
    put(client, account, "relatorio-velho.txt")
    put(client, account, "foto.png")
    html = client.get("/files?q=RELAT").get_data(as_text=True)
    assert "Relatório.pdf" in html and "relatorio-velho.txt" in html
    assert "foto.png" not in html
    assert f'href="/files?folder={docs["id"]}">Docs</a>' in html  # where it is
    assert 'value="RELAT"' in html


def test_another_users_folder_is_not_found(client, pages, auth):
    other = auth.user(name="Rui")
    theirs = mkdir(client, other, "Deles")
    pages.login()
    assert client.get(f"/files?folder={theirs['id']}").status_code == 404
    assert client.get("/files?folder=abc").status_code == 200  # not an id: the root
    assert client.get(f"/files?folder={2**40}").status_code == 200


def test_english_labels(client, pages, auth):
    pages.login()
    client.set_cookie("compartilha_lang", "en")
    html = client.get("/files").get_data(as_text=True)
    assert "Choose a folder" in html and "New folder" in html
    assert "Search in all folders" in html
