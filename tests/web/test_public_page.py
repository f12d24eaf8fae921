"""The public link page without a browser: what a locked page tells, the password form,
the framing of previews, the kinds of files, the links filter."""

from __future__ import annotations

import pytest

from compartilha.web.kinds import kind_of


@pytest.fixture
def locked(app, auth):
    account = auth.user(name="Bruno Lima")
    meta = auth.upload(account, b"%PDF-1.4\n" + b"0" * 100, "contrato.pdf",
                       "application/pdf").get_json()["file"]
    client = app.test_client()
    rv = client.post(f"/api/v1/files/{meta['id']}/shares", json={"password": "segredo1"},
                     headers=account.headers)
    return rv.get_json()["share"]["token"]


def test_a_locked_page_names_nothing(app, locked):
    html = app.test_client().get(f"/s/{locked}").get_data(as_text=True)
    for secret in ("contrato.pdf", "Bruno", "PDF", "application/pdf", "109 B"):
        assert secret not in html


def test_the_password_form_unlocks_the_page(app, locked):
    client = app.test_client()
    wrong = client.post(f"/s/{locked}", data={"password": "errada"})
    assert wrong.status_code == 401 and "contrato.pdf" not in wrong.get_data(as_text=True)
    assert client.post(f"/s/{locked}", data={}).status_code == 401
    right = client.post(f"/s/{locked}", data={"password": "segredo1"})
    assert right.status_code == 303 and right.headers["Location"].endswith(f"/s/{locked}")
    page = client.get(f"/s/{locked}").get_data(as_text=True)
    assert "contrato.pdf" in page and "Senha aceita" in page and 'role="alert"' not in page
    assert client.get(f"/s/{locked}/download").status_code == 200


def test_public_and_owner_previews_may_be_framed_by_our_pages_only(app, auth):
    account = auth.user()
    meta = auth.upload(account, b"hello", "a.txt").get_json()["file"]
    client = app.test_client()
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]["token"]
    preview = client.get(f"/s/{token}/preview")
    assert preview.status_code == 200
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    assert preview.headers["Content-Security-Policy"].startswith("sandbox")
    assert client.get(f"/s/{token}").headers["X-Frame-Options"] == "DENY"
    assert "bluetooth" not in client.get("/").headers["Permissions-Policy"]


@pytest.mark.parametrize(("mime", "pt", "en"), [
    ("application/pdf", "Documento PDF", "PDF document"),
    ("image/png", "Imagem PNG", "PNG image"),
    ("audio/mpeg", "Áudio MP3", "MP3 audio"),
    ("video/x-matroska", "Vídeo MKV", "MKV video"),
    ("image/some-long-format", "Imagem", "Image"),
    ("text/plain; charset=utf-8", "Arquivo de texto", "Text file"),
    ("application/octet-stream", "Arquivo", "File"),
    ("", "Arquivo", "File"),
])
def test_kinds_in_both_languages(app, mime, pt, en):
    for lang, expected in (("pt_BR", pt), ("en", en)):
        with app.test_request_context(headers={"Cookie": f"compartilha_lang={lang}"}):
            assert kind_of(mime) == expected


def test_my_links_filter_by_query_string(client, pages):
    account = pages.login()
    for name in ("relatorio.txt", "foto.txt"):
        meta = pages.auth.upload(account, b"x", name).get_json()["file"]
        client.post(f"/api/v1/files/{meta['id']}/shares",
                    headers={"X-CSRF-Token": pages.csrf()})
    html = client.get("/links?q=RELAT").get_data(as_text=True)
    assert "relatorio.txt" in html and "foto.txt" not in html
    html = client.get("/links?show=ended").get_data(as_text=True)
    assert "relatorio.txt" not in html and "foto.txt" not in html
    html = client.get("/links?show=bogus").get_data(as_text=True)
    assert "relatorio.txt" in html and "foto.txt" in html
