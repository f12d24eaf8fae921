"""The pages of links to several things: /shares/new, the Edit form of My links, and the
public page of such a link."""

import pytest

from compartilha.extensions import db
from compartilha.models import File, Folder, Share, User


@pytest.fixture
def selection(app, client, pages, auth):
    account = pages.login()
    headers = {"Authorization": f"Bearer {account.token}"}
    ids = []
    for name, data in [("a.txt", b"alpha"), ("b.txt", b"bravo")]:
        rv = client.post("/api/v1/files", headers=headers, data={"file": (
            __import__("io").BytesIO(data), name, "text/plain")},
            content_type="multipart/form-data")
        assert rv.status_code == 201, rv.get_json()
        ids.append(rv.get_json()["file"]["id"])
    with app.app_context():
        user = db.session.query(User).filter_by(email=account.email).one()
        box = Folder(name="Caixa", user_id=user.id)
        db.session.add(box)
        db.session.commit()
        db.session.get(File, ids[1]).folder_id = box.id
        db.session.commit()
        return account, ids[0], box.id


def test_new_share_shows_the_selection_and_creates_the_link(app, client, pages, selection):
    account, file_id, folder_id = selection
    query = f"?file_ids={file_id}&folder_ids={folder_id}"
    page = client.get("/shares/new" + query, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "a.txt" in html and "Caixa" in html
    rv = client.post("/shares/new", headers={"Accept-Language": "en"}, data={
        "csrf_token": pages.csrf(), "file_ids": str(file_id), "folder_ids": str(folder_id),
        "title": "Pacote", "message": "Oi", "expiry": "86400", "max_downloads": "2",
        "password": "", "notify_on_download": "1"})
    assert rv.status_code == 200, rv.get_data(as_text=True)
    with app.app_context():
        share = db.session.query(Share).one()
        assert share.title == "Pacote" and share.max_downloads == 2 and share.file_id is None
        assert share.notify_on_download and share.expires_at is not None
        token = share.token
    assert f"/s/{token}" in rv.get_data(as_text=True)
    public = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert "Pacote" in public and "Caixa" in public and "a.txt" in public


@pytest.mark.parametrize("query", ["?file_ids=x", "?file_ids=-1", "?folder_ids=%2e%2e",
                                   "?file_ids=99999"])
def test_new_share_refuses_odd_or_foreign_ids(client, selection, query):
    assert client.get("/shares/new" + query).status_code == 404


def test_new_share_errors_are_shown_by_field(client, pages, selection):
    _, file_id, _ = selection
    rv = client.post("/shares/new", headers={"Accept-Language": "en"}, data={
        "csrf_token": pages.csrf(), "file_ids": str(file_id), "password": "ab",
        "max_downloads": "zero"})
    html = rv.get_data(as_text=True)
    assert rv.status_code == 422 and "n-password-error" in html


def test_edit_a_link_on_my_links_keeps_its_token(app, client, pages, selection):
    account, file_id, folder_id = selection
    client.post("/shares/new", data={"csrf_token": pages.csrf(), "file_ids": str(file_id),
                                     "folder_ids": str(folder_id), "title": "Antes"})
    with app.app_context():
        share = db.session.query(Share).one()
        share_id, token = share.id, share.token
    links = client.get("/links", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Antes" in links and "2 items" in links and "Edit" in links
    rv = client.post(f"/links/{share_id}/edit", data={
        "csrf_token": pages.csrf(), "title": "Depois", "expiry": "keep", "max_downloads": "5",
        "password_action": "set", "password": "segredo", "message": "",
        "items": [f"folder-{folder_id}"]})
    assert rv.status_code == 302
    with app.app_context():
        share = db.session.get(Share, share_id)
        assert share.token == token and share.title == "Depois" and share.max_downloads == 5
        assert share.password_hash and [i.folder_id for i in share.items] == [folder_id]
    rv = client.post(f"/links/{share_id}/edit", data={
        "csrf_token": pages.csrf(), "title": "Depois", "password_action": "remove",
        "items": [f"folder-{folder_id}"], "password": "ab"})
    with app.app_context():
        assert db.session.get(Share, share_id).password_hash is None
    rv = client.post(f"/links/{share_id}/edit", data={
        "csrf_token": pages.csrf(), "password_action": "set", "password": "ab",
        "items": [f"folder-{folder_id}"]}, headers={"Accept-Language": "en"})
    assert rv.status_code == 422 and f"e{share_id}-password-error" in rv.get_data(as_text=True)


def test_the_public_page_in_portuguese(app, client, pages, selection):
    _, file_id, folder_id = selection
    client.post("/shares/new", data={"csrf_token": pages.csrf(), "file_ids": str(file_id),
                                     "folder_ids": str(folder_id)})
    with app.app_context():
        token = db.session.query(Share).one().token
    html = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert "Baixar tudo (ZIP," in html and "Caixa" in html


def test_shared_with_me_lists_a_link_to_several_things(app, client, pages, auth, verified):
    ana = pages.login()
    verified.add(ana.email)
    bia = auth.login(auth.register(name="Bia"))
    first, second = auth.file(bia, b"um", "um.txt")["id"], auth.file(bia, b"dois", "dois.txt")["id"]
    rv = client.post("/api/v1/shares", headers=bia.headers, json={
        "file_ids": [first, second], "title": "Dois arquivos", "recipient_email": ana.email})
    assert rv.status_code == 201, rv.get_json()
    client.set_cookie("compartilha_session", ana.token)
    page = client.get("/shared")
    assert page.status_code == 200 and "Dois arquivos" in page.get_data(as_text=True)


def test_sending_by_email_from_an_unverified_address_says_so_on_the_field(client, pages,
                                                                          selection):
    _, file_id, folder_id = selection
    rv = client.post("/shares/new", headers={"Accept-Language": "en"}, data={
        "csrf_token": pages.csrf(), "file_ids": str(file_id), "folder_ids": str(folder_id),
        "recipients": "x@example.com"})
    assert rv.status_code == 422 and "n-recipients-error" in rv.get_data(as_text=True)
