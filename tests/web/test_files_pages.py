"""My files, previews, QR codes, my links and shared with me, over HTTP."""

from __future__ import annotations

import pytest

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_my_files_lists_name_type_size_and_date(client, pages, auth):
    account = auth.login(pages.login())
    auth.upload(account, b"x" * 1536, "notas.txt")
    html = client.get("/files").get_data(as_text=True)
    assert "notas.txt" in html and "text/plain" in html
    assert "1,5 KB" in html
    assert "<time" in html and 'data-size="1536"' in html


def test_preview_is_sandboxed(client, pages, auth):
    account = auth.login(pages.login())
    meta = auth.upload(account, PNG, "pixel.png", "image/png").get_json()["file"]
    rv = client.get(f"/files/{meta['id']}/preview")
    assert rv.status_code == 200
    assert rv.mimetype == "image/png"
    csp = rv.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert rv.headers["X-Content-Type-Options"] == "nosniff"
    assert rv.headers["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize(("name", "content_type"), [
    ("page.html", "text/html"),
    ("drawing.svg", "image/svg+xml"),
    ("page.xhtml", "application/xhtml+xml"),
    ("tool.exe", "application/octet-stream"),
])
def test_markup_is_never_previewed(client, pages, auth, name, content_type):
    account = auth.login(pages.login())
    data = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    meta = auth.upload(account, data, name, content_type).get_json()["file"]
    rv = client.get(f"/files/{meta['id']}/preview")
    assert rv.status_code == 404
    assert b"<script>alert(1)" not in rv.data
    html = client.get("/files").get_data(as_text=True)
    assert 'data-action="preview" hidden' in html


def test_preview_and_qr_are_the_owners_only(client, pages, auth):
    owner = auth.user()
    meta = auth.upload(owner, PNG, "pixel.png", "image/png").get_json()["file"]
    share = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=owner.headers).get_json()["share"]
    pages.login()
    assert client.get(f"/files/{meta['id']}/preview").status_code == 404
    assert client.get(f"/links/{share['id']}/qr.svg").status_code == 404


def test_qr_code_is_an_svg_of_the_link(client, pages, auth):
    account = auth.login(pages.login())
    meta = auth.upload(account).get_json()["file"]
    share = client.post(f"/api/v1/files/{meta['id']}/shares",
                        headers=account.headers).get_json()["share"]
    rv = client.get(f"/links/{share['id']}/qr.svg")
    assert rv.status_code == 200
    assert rv.mimetype == "image/svg+xml"
    assert rv.data.startswith(b"<svg") and b"<script" not in rv.data
    assert "default-src 'none'" in rv.headers["Content-Security-Policy"]


def test_my_links_show_state_counters_and_revoke(client, pages, auth):
    account = auth.login(pages.login())
    meta = auth.upload(account, name="relatorio.txt").get_json()["file"]
    share = client.post(f"/api/v1/files/{meta['id']}/shares", json={"max_downloads": 3},
                        headers=account.headers).get_json()["share"]
    html = client.get("/links").get_data(as_text=True)
    assert "relatorio.txt" in html and "Ativo" in html and "0 de 3" in html
    assert share["url"] in html
    assert client.post(f"/links/{share['id']}/revoke").status_code == 403
    rv = client.post(f"/links/{share['id']}/revoke", data={"csrf_token": pages.csrf()},
                     follow_redirects=True)
    html = rv.get_data(as_text=True)
    assert "Revogado" in html and "O link foi revogado" in html
    gone = client.get(f"/s/{share['token']}")
    assert gone.status_code == 410
    assert "Este link foi revogado" in gone.get_data(as_text=True)


def test_shared_with_me_lists_links_addressed_to_me(client, pages, auth, verified):
    friend = auth.user(name="Rui")  # logging in through the API sets the client's cookie
    meta = auth.upload(friend, name="fotos.zip", content_type="application/zip"
                       ).get_json()["file"]
    client.post(f"/api/v1/files/{meta['id']}/shares",
                json={"recipient_email": "bia@example.com"}, headers=friend.headers)
    pages.login(name="Bia", email="bia@example.com")
    assert "fotos.zip" not in client.get("/shared").get_data(as_text=True)  # unverified
    verified.add("bia@example.com")
    html = client.get("/shared").get_data(as_text=True)
    assert "fotos.zip" in html and "De Rui" in html


def test_a_link_for_someone_else_asks_for_the_address_or_to_log_in(client, pages, auth,
                                                                   verified):
    owner = auth.user(name="Rui")
    meta = auth.upload(owner).get_json()["file"]
    token = client.post(f"/api/v1/files/{meta['id']}/shares",
                        json={"recipient_email": "bia@example.com"},
                        headers=owner.headers).get_json()["share"]["token"]
    client.delete_cookie("compartilha_session")
    rv = client.get(f"/s/{token}")
    assert rv.status_code == 200
    html = rv.get_data(as_text=True)
    assert 'name="email"' in html and f"/login?next=/s/{token}" in html
    assert client.get(f"/s/{token}/download").status_code == 404
    pages.login(name="Bia", email="bia@example.com")
    assert 'name="email"' in client.get(f"/s/{token}").get_data(as_text=True)
    verified.add("bia@example.com")
    assert 'name="email"' not in client.get(f"/s/{token}").get_data(as_text=True)
    assert client.get(f"/s/{token}/download").status_code == 200
