"""The owner's upload-link pages: the list with counters, link and QR code; the form to
create one with every option and to edit it (same token); revoke; the folder page's
"Request files" and a received file's provenance on its row."""

from __future__ import annotations

import io
import re

from compartilha.extensions import db
from compartilha.models import FileRequest, User
from compartilha.services import notifications

EN = {"Accept-Language": "en"}


def _create(client, pages, **fields):
    data = {"csrf_token": pages.csrf(), "title": "Fotos do evento", "message": "Mandem!",
            "expiry": "86400", "max_files": "3", "max_file_mb": "1", "max_total_mb": "12",
            "password": "segredo1", "require_name": "1", "require_email": "1",
            "show_uploads": "1", "notify": "1"} | fields
    return client.post("/requests/new", headers=EN, data=data)


def test_create_with_every_option_then_list_it(app, client, pages):
    pages.login()
    page = client.get("/requests/new", headers=EN)
    assert page.status_code == 200 and "Recebidos" in page.get_data(as_text=True)
    rv = _create(client, pages)
    assert rv.status_code == 302, rv.get_data(as_text=True)
    with app.app_context():
        link = db.session.query(FileRequest).one()
        assert (link.title, link.message, link.max_files, link.max_file_bytes,
                link.max_total_bytes, link.require_name, link.require_email,
                link.show_uploads, link.notify) == (
            "Fotos do evento", "Mandem!", 3, 2**20, 12 * 2**20, True, True, True, True)
        assert link.password_hash and link.expires_at is not None
        token, link_id = link.token, link.id
    html = client.get("/requests", headers=EN).get_data(as_text=True)
    assert f"/r/{token}" in html and "Fotos do evento" in html and "0 of 3" in html
    assert f"/requests/{link_id}/qr.svg" in html and "data-copy" in html
    qr = client.get(f"/requests/{link_id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data().startswith(b"<svg")


def test_wrong_fields_are_marked_and_nothing_is_made(app, client, pages):
    pages.login()
    rv = _create(client, pages, title=" ", max_files="0", max_file_mb="muito", max_total_mb="0",
                 password="ab")
    html = rv.get_data(as_text=True)
    assert rv.status_code == 422
    for field in ("title", "max_files", "max_file_mb", "max_total_mb", "password"):
        assert f'id="q-{field}-error"' in html, field
    assert "whole number of MB" in html
    with app.app_context():
        assert db.session.query(FileRequest).count() == 0


def test_edit_keeps_the_token_and_revoke_ends_the_link(app, client, pages):
    pages.login()
    _create(client, pages)
    with app.app_context():
        link = db.session.query(FileRequest).one()
        token, link_id = link.token, link.id
    form = client.get(f"/requests/{link_id}", headers=EN).get_data(as_text=True)
    assert 'value="Fotos do evento"' in form and 'value="12"' in form
    rv = client.post(f"/requests/{link_id}", headers=EN, data={
        "csrf_token": pages.csrf(), "title": "Fotos", "message": "", "expiry": "keep",
        "max_files": "", "max_file_mb": "1", "max_total_mb": "", "password_action": "remove",
        "show_uploads": "1", "folder": str(link.folder_id)})
    assert rv.status_code == 302, rv.get_data(as_text=True)
    with app.app_context():
        link = db.session.get(FileRequest, link_id)
        assert (link.token, link.title, link.max_files, link.max_total_bytes,
                link.password_hash, link.require_name, link.notify, link.expires_at
                is not None) == (token, "Fotos", None, None, None, False, False, True)
    rv = client.post(f"/requests/{link_id}/revoke", data={"csrf_token": pages.csrf()})
    assert rv.status_code == 302
    assert client.get(f"/r/{token}").status_code == 410
    html = client.get("/requests", headers=EN).get_data(as_text=True)
    assert "Revoked" in html and f"/r/{token}" not in html


def test_another_owners_link_is_a_404_everywhere(app, client, pages, auth):
    pages.login()
    _create(client, pages)
    with app.app_context():
        link_id = db.session.query(FileRequest).one().id
    client.post("/logout", data={"csrf_token": pages.csrf()})
    pages.login(email="bia@example.com")
    for path in (f"/requests/{link_id}", f"/requests/{link_id}/qr.svg"):
        assert client.get(path).status_code == 404
    assert client.post(f"/requests/{link_id}/revoke",
                       data={"csrf_token": pages.csrf()}).status_code == 404
    assert "Fotos do evento" not in client.get("/requests").get_data(as_text=True)


def test_the_pages_need_an_account(client):
    for path in ("/requests", "/requests/new", "/requests/1", "/requests/1/qr.svg"):
        assert client.get(path).status_code == 302


def test_portuguese_by_default_with_the_nav_entry(client, pages):
    pages.login()
    html = client.get("/requests").get_data(as_text=True)
    assert "Links de envio" in html and "Novo link de envio" in html


def test_the_folder_page_offers_request_files_and_shows_provenance(app, client, pages):
    pages.login()
    _create(client, pages, password="", require_email="")
    with app.app_context():
        link = db.session.query(FileRequest).one()
        token, folder_id = link.token, link.folder_id
    client.post(f"/r/{token}/files", headers={"Accept": "application/json"}, data={
        "file": (io.BytesIO(b"foto"), "praia.jpg"), "uploader_name": "Rui Barbosa"})
    html = client.get(f"/files?folder={folder_id}", headers=EN).get_data(as_text=True)
    assert f"/requests/new?folder={folder_id}" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(r"Sent by Rui Barbosa\s*·\s*request Fotos do evento", text)


def test_the_notifications_page_tells_who_sent_how_many_files(app, client, pages):
    account = pages.login()
    with app.app_context():
        user = db.session.query(User).filter_by(email=account.email).one()
        notifications.add(user.id, "request.received", {
            "request_id": 1, "request_title": "Fotos", "folder_id": 7,
            "sender_name": "Rui Barbosa", "sender_email": None, "count": 3, "bytes": 10})
        notifications.add(user.id, "request.received", {
            "request_id": 1, "request_title": "Fotos", "folder_id": 7,
            "sender_name": None, "sender_email": None, "count": 1, "bytes": 1})
    html = client.get("/notifications").get_data(as_text=True)
    assert "Rui Barbosa enviou 3 arquivos para “Fotos”." in html
    assert "Alguém enviou 1 arquivo para “Fotos”." in html
    assert "/files?folder=7" in html
