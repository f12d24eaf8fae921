"""Languages: Portuguese by default, English from Accept-Language or the footer switch."""

from __future__ import annotations

import pytest

from compartilha.web.i18n import filesize


def heading(rv) -> str:
    html = rv.get_data(as_text=True)
    return html.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_portuguese_by_default(client):
    rv = client.get("/login")
    assert heading(rv) == "Que bom ver você de novo"
    assert '<html lang="pt-BR">' in rv.get_data(as_text=True)


@pytest.mark.parametrize(("accept", "expected"), [
    ("en-US,en;q=0.9", "Welcome back"),
    ("pt-PT,pt;q=0.9", "Que bom ver você de novo"),
    ("fr-FR,fr;q=0.9", "Que bom ver você de novo"),
    ("de, en;q=0.5", "Welcome back"),
])
def test_language_from_the_browser(client, accept, expected):
    assert heading(client.get("/login", headers={"Accept-Language": accept})) == expected


def test_switch_is_remembered_and_goes_back(client):
    rv = client.get("/language/en?next=/login")
    assert rv.status_code == 302 and rv.headers["Location"] == "/login"
    assert heading(client.get("/login", headers={"Accept-Language": "pt-BR"})) == "Welcome back"
    client.get("/language/pt_BR?next=/")
    assert heading(client.get("/login")) == "Que bom ver você de novo"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example"])
def test_switch_never_leaves_the_site(client, target):
    rv = client.get("/language/en", query_string={"next": target})
    assert rv.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    client.get("/language/xx")
    assert heading(client.get("/login")) == "Que bom ver você de novo"


@pytest.mark.parametrize(("locale", "size", "text"), [
    ("pt_BR", 1536, "1,5 KB"), ("en", 1536, "1.5 KB"), ("pt_BR", 999, "999 B"),
    ("en", 5 * 1024**3, "5 GB"), ("pt_BR", 1234567, "1,2 MB"),
])
def test_sizes_per_locale(app, locale, size, text):
    with app.test_request_context(headers={"Cookie": f"compartilha_lang={locale}"}):
        assert filesize(size) == text


def test_portuguese_catalog_is_complete_and_current():
    from babel.messages.pofile import read_po

    from .conftest import ROOT

    folder = ROOT / "compartilha" / "translations"
    with open(folder / "pt_BR" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    with open(folder / "messages.pot", "rb") as fh:
        template = read_po(fh)
    missing = [m.id for m in catalog if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}
