"""Links to several things (issue 16): create, edit on the same token, the public page
with folder navigation inside the link only, each file, the ZIP (resumable), counting."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from compartilha.extensions import db
from compartilha.models import File, Folder
from tests.helpers import error_code
from tests.mailbox import outbox

pytestmark = pytest.mark.both_storages  # local folder and S3


def folder(app, account, name, parent=None) -> int:
    """A folder of the account's (made as the folders API does: a row)."""
    with app.app_context():
        from compartilha.models import User

        user = db.session.query(User).filter_by(email=account.email).one()
        row = Folder(name=name, user_id=user.id, parent_id=parent)
        db.session.add(row)
        db.session.commit()
        return row.id


def move(app, file_id, folder_id) -> None:
    with app.app_context():
        db.session.get(File, file_id).folder_id = folder_id
        db.session.commit()


@pytest.fixture
def tree(app, auth, verified):
    """Ana's files: a.txt at the root, Fotos/ with b.txt and Fotos/Sub/c.txt, and Outra/
    with d.txt (not shared). Her address is verified: she may send links by email."""
    ana = auth.user()
    verified.add(ana.email)
    ids = {name: auth.file(ana, data, name)["id"] for name, data in
           [("a.txt", b"alpha"), ("b.txt", b"bravo!"), ("c.txt", b"charlie"),
            ("d.txt", b"delta")]}
    fotos = folder(app, ana, "Fotos")
    sub = folder(app, ana, "Sub", fotos)
    other = folder(app, ana, "Outra")
    move(app, ids["b.txt"], fotos)
    move(app, ids["c.txt"], sub)
    move(app, ids["d.txt"], other)
    return ana, ids, {"Fotos": fotos, "Sub": sub, "Outra": other}


def create(client, account, **body):
    return client.post("/api/v1/shares", headers=account.headers, json=body)


@pytest.fixture
def mixed(client, tree):
    ana, ids, folders = tree
    rv = create(client, ana, file_ids=[ids["a.txt"]], folder_ids=[folders["Fotos"]],
                title="Viagem", message="Tudo aqui")
    assert rv.status_code == 201, rv.get_json()
    return ana, ids, folders, rv.get_json()["share"]


def test_create_a_link_to_files_and_folders(mixed):
    _, ids, folders, share = mixed
    assert share["file_id"] is None and share["file_name"] is None
    assert share["title"] == "Viagem" and share["message"] == "Tudo aqui"
    assert share["items"] == [
        {"kind": "folder", "id": folders["Fotos"], "name": "Fotos", "size": 13},
        {"kind": "file", "id": ids["a.txt"], "name": "a.txt", "size": 5}]


def test_one_file_and_nothing_else_is_a_one_file_link(client, tree):
    ana, ids, _ = tree
    share = create(client, ana, file_ids=[ids["a.txt"]]).get_json()["share"]
    assert share["file_id"] == ids["a.txt"] and share["file_name"] == "a.txt"
    assert share["items"] == [{"kind": "file", "id": ids["a.txt"], "name": "a.txt", "size": 5}]


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "invalid_field"),
    ({"file_ids": []}, 422, "invalid_field"),
    ({"file_ids": [1, 1]}, 422, "invalid_field"),
    ({"folder_ids": [2, 2]}, 422, "invalid_field"),
    ({"file_ids": list(range(1, 102))}, 422, "invalid_field"),
    ({"file_ids": [0]}, 422, "invalid_field"),
    ({"file_ids": [2**31]}, 422, "invalid_field"),
    ({"file_ids": ["1"]}, 422, "invalid_field"),
    ({"file_ids": [99999], "folder_ids": []}, 404, "file_not_found"),
])
def test_refused_choices(client, tree, body, status, code):
    ana, _, _ = tree
    rv = create(client, ana, **body)
    assert rv.status_code == status, rv.get_json()
    assert error_code(rv) == code


def test_someone_elses_files_and_folders_are_404(client, auth, tree):
    _, ids, folders = tree
    bia = auth.user(name="Bia")
    mine = auth.file(bia, b"mine", "mine.txt")["id"]
    rv = create(client, bia, file_ids=[mine, ids["a.txt"]])
    assert rv.status_code == 404 and error_code(rv) == "file_not_found"
    rv = create(client, bia, file_ids=[mine], folder_ids=[folders["Fotos"]])
    assert rv.status_code == 404 and error_code(rv) == "folder_not_found"
    share = create(client, bia, file_ids=[mine, auth.file(bia)["id"]]).get_json()["share"]
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=bia.headers,
                      json={"folder_ids": [folders["Outra"]]})
    assert rv.status_code == 404 and error_code(rv) == "folder_not_found"


def test_recipients_get_one_personal_link_each(app, client, tree, verified):
    ana, ids, folders = tree
    verified.add(ana.email)  # links are mailed only from a verified address
    rv = create(client, ana, folder_ids=[folders["Fotos"]], title="Fotos da viagem",
                recipients=["x@example.com", "y@example.com"])
    assert rv.status_code == 201, rv.get_json()
    links = rv.get_json()["shares"]
    assert [link["recipient_email"] for link in links] == ["x@example.com", "y@example.com"]
    assert len({link["token"] for link in links}) == 2
    assert all(link["title"] == "Fotos da viagem" and link["file_id"] is None for link in links)
    texts = [f"{m['Subject']}\n{m.get_body(('plain',)).get_content()}" for m in outbox(app)
             if str(m["To"]) in ("x@example.com", "y@example.com")]
    assert len(texts) == 2
    assert all("Fotos da viagem" in text and "arquivos com você" in text for text in texts)


@pytest.mark.parametrize("change, check", [
    ({"title": "Novo"}, lambda s: s["title"] == "Novo"),
    ({"title": None}, lambda s: s["title"] is None),
    ({"message": "Oi"}, lambda s: s["message"] == "Oi"),
    ({"max_downloads": 3}, lambda s: s["max_downloads"] == 3),
    ({"max_downloads": None}, lambda s: s["max_downloads"] is None),
    ({"password": "segredo"}, lambda s: s["has_password"]),
    ({"password": None}, lambda s: not s["has_password"]),
    ({"expires_at": None}, lambda s: s["expires_at"] is None),
    ({"notify_on_download": True}, lambda s: s["notify_on_download"]),
    ({"file_ids": []}, lambda s: [i["kind"] for i in s["items"]] == ["folder"]),
    ({"folder_ids": []}, lambda s: s["file_id"] is not None),
])
def test_edit_each_field_keeps_the_token(client, mixed, change, check):
    ana, _, _, share = mixed
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers, json=change)
    assert rv.status_code == 200, rv.get_json()
    edited = rv.get_json()["share"]
    assert edited["token"] == share["token"] and edited["id"] == share["id"]
    assert check(edited)
    listed = client.get("/api/v1/shares", headers=ana.headers).get_json()["shares"][0]
    assert check(listed)


def test_edit_expiry_and_refusals(client, mixed):
    ana, _, _, share = mixed
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                      json={"expires_at": later})
    assert rv.status_code == 200 and rv.get_json()["share"]["expires_at"]
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers, json={
        "expires_at": "2001-01-01T00:00:00+00:00", "password": "x", "title": "t" * 300})
    assert rv.status_code == 422
    fields = set(rv.get_json()["error"]["fields"])
    assert fields == {"expires_at", "password", "title"}
    rv = client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                      json={"file_ids": [], "folder_ids": []})
    assert rv.status_code == 422


def test_edits_take_effect_at_once_on_the_same_url(app, client, mixed):
    ana, ids, folders, share = mixed
    visitor = app.test_client()
    page = visitor.get(f"/s/{share['token']}").get_data(as_text=True)
    assert "Viagem" in page and "a.txt" in page and "Fotos" in page
    client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                 json={"title": "Outro nome", "file_ids": [ids["d.txt"]], "folder_ids": []})
    # One file and nothing else: a one-file link; its page is the file's.
    page = visitor.get(f"/s/{share['token']}").get_data(as_text=True)
    assert "d.txt" in page and "a.txt" not in page and "Outro nome" in page
    assert visitor.get(f"/s/{share['token']}/download").data == b"delta"
    assert visitor.get(f"/s/{share['token']}/files/{ids['a.txt']}").status_code == 404
    client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                 json={"password": "segredo"})
    assert visitor.get(f"/s/{share['token']}/download").status_code == 401


def test_member_downloads(app, mixed):
    _, ids, folders, share = mixed
    visitor, token = app.test_client(), share["token"]
    assert visitor.get(f"/s/{token}/files/{ids['a.txt']}").data == b"alpha"
    rv = visitor.get(f"/s/{token}/files/{ids['c.txt']}")  # in Fotos/Sub: live, inside
    assert rv.status_code == 200 and rv.data == b"charlie"
    assert rv.headers["Content-Disposition"].startswith("attachment")
    rv = visitor.get(f"/s/{token}/files/{ids['c.txt']}", headers={"Range": "bytes=2-"})
    assert rv.status_code == 206 and rv.data == b"arlie"
    assert visitor.get(f"/s/{token}/files/{ids['d.txt']}").status_code == 404  # Outra/
    assert visitor.get(f"/s/{token}/files/99999").status_code == 404


def test_folder_navigation_stays_inside(app, mixed):
    _, ids, folders, share = mixed
    visitor, token = app.test_client(), share["token"]
    top = visitor.get(f"/s/{token}").get_data(as_text=True)
    assert f"?folder={folders['Fotos']}" in top and f"/s/{token}/zip" in top
    inner = visitor.get(f"/s/{token}?folder={folders['Fotos']}").get_data(as_text=True)
    assert "b.txt" in inner and "Sub" in inner and "a.txt" not in inner
    deep = visitor.get(f"/s/{token}?folder={folders['Sub']}")
    assert deep.status_code == 200 and "c.txt" in deep.get_data(as_text=True)
    other = folders["Outra"]
    for attempt in [str(other), "..", "%2e%2e", "..%2f", "%252e%252e%252f", f"{other}%00",
                    f"{folders['Fotos']}/../{other}", f"+{folders['Sub']}", " 1", "-1",
                    "0", str(2**31), "١", f"{folders['Sub']}.0", ""]:
        rv = visitor.get(f"/s/{token}?folder={attempt}")
        assert rv.status_code == 404, attempt
    for path in [f"/s/{token}/../{token}/files/{ids['d.txt']}",
                 f"/s/{token}/files/%2e%2e/{ids['d.txt']}",
                 f"/s/{token}/files/..%2f{ids['d.txt']}",
                 f"/s/{token}/files/{ids['d.txt']}%2f..%2f{ids['a.txt']}"]:
        rv = visitor.get(path)
        assert rv.status_code == 404 or rv.data != b"delta", path


def test_a_file_added_later_appears_and_is_in_the_zip(app, auth, client, mixed):
    ana, ids, folders, share = mixed
    visitor, token = app.test_client(), share["token"]
    new = auth.file(ana, b"echo", "e.txt")["id"]
    move(app, new, folders["Sub"])
    assert "e.txt" in visitor.get(f"/s/{token}?folder={folders['Sub']}").get_data(as_text=True)
    assert visitor.get(f"/s/{token}/files/{new}").data == b"echo"
    names = zipfile.ZipFile(io.BytesIO(visitor.get(f"/s/{token}/zip").data)).namelist()
    assert "Fotos/Sub/e.txt" in names
    client.delete(f"/api/v1/files/{new}", headers=ana.headers)
    assert visitor.get(f"/s/{token}/files/{new}").status_code == 404


def test_the_zip(app, mixed):
    _, ids, folders, share = mixed
    visitor, token = app.test_client(), share["token"]
    first = visitor.get(f"/s/{token}/zip")
    assert first.status_code == 200 and first.mimetype == "application/zip"
    assert first.headers["Content-Length"] == str(len(first.data))
    assert "Viagem.zip" in first.headers["Content-Disposition"]
    again = visitor.get(f"/s/{token}/download")  # the ZIP, for a link to several things
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    archive = zipfile.ZipFile(io.BytesIO(first.data))
    assert archive.testzip() is None
    assert {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")} == {
        "a.txt": b"alpha", "Fotos/b.txt": b"bravo!", "Fotos/Sub/c.txt": b"charlie"}
    head = visitor.head(f"/s/{token}/zip")
    assert head.headers["Content-Length"] == str(len(first.data))


def test_old_files_without_crc_get_one_for_the_zip(app, mixed):
    _, ids, _, share = mixed
    with app.app_context():
        db.session.get(File, ids["a.txt"]).crc32 = None
        db.session.commit()
    data = app.test_client().get(f"/s/{share['token']}/zip").data
    assert zipfile.ZipFile(io.BytesIO(data)).read("a.txt") == b"alpha"
    with app.app_context():
        import zlib

        assert db.session.get(File, ids["a.txt"]).crc32 == zlib.crc32(b"alpha")


def test_a_zip_cut_at_40_percent_resumes_to_the_same_bytes(app, client, auth, tree):
    ana, ids, folders = tree
    big = auth.file(ana, bytes(range(256)) * 400, "big.bin")["id"]
    share = create(client, ana, file_ids=[big], folder_ids=[folders["Fotos"]],
                   max_downloads=1).get_json()["share"]
    visitor = app.test_client()
    rv = visitor.get(f"/s/{share['token']}/zip")
    assert rv.status_code == 302
    ticket = rv.headers["Location"]
    whole = visitor.head(ticket)
    size = int(whole.headers["Content-Length"])
    cut = size * 40 // 100
    first = visitor.get(ticket, headers={"Range": f"bytes=0-{cut - 1}"})
    assert first.status_code == 206
    rest = visitor.get(ticket, headers={"Range": f"bytes={cut}-",
                                        "If-Range": whole.headers["ETag"]})
    assert rest.status_code == 206
    data = first.data + rest.data
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    listed = client.get("/api/v1/shares", headers=ana.headers).get_json()["shares"][0]
    assert listed["download_count"] == 1 and listed["state"] == "used_up"
    # Counted once; the link, used up, answers 410 to a new download.
    assert app.test_client().get(f"/s/{share['token']}/zip").status_code == 410


def test_a_limited_link_counts_each_complete_file_or_zip(app, client, mixed):
    ana, ids, _, share = mixed
    client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers, json={"max_downloads": 3})
    visitor, token = app.test_client(), share["token"]

    def count():
        return client.get("/api/v1/shares", headers=ana.headers).get_json()[
            "shares"][0]["download_count"]

    rv = visitor.get(f"/s/{token}/files/{ids['a.txt']}", follow_redirects=True)
    assert rv.data == b"alpha" and count() == 1
    # Resuming with the same ticket (its cookie) counts no more.
    rv = visitor.get(f"/s/{token}/files/{ids['a.txt']}", headers={"Range": "bytes=2-"},
                     follow_redirects=True)
    assert rv.data == b"pha" and count() == 1
    rv = visitor.get(f"/s/{token}/zip", follow_redirects=True)
    assert zipfile.ZipFile(io.BytesIO(rv.data)).testzip() is None and count() == 2
    # The ZIP's tail again, on the link with the ticket's cookie: the same download.
    tail = visitor.get(f"/s/{token}/zip", headers={"Range": "bytes=100-"},
                       follow_redirects=True)
    assert tail.status_code == 206 and tail.data == rv.data[100:] and count() == 2
    # Previews would dodge the count.
    assert visitor.get(f"/s/{token}/files/{ids['a.txt']}/preview").status_code == 404


@pytest.mark.parametrize("path", ["/download", "/zip", "/files/{a}", "/files/{c}",
                                  "/files/{a}/preview"])
def test_the_password_guards_every_url(app, client, mixed, path):
    ana, ids, folders, share = mixed
    client.patch(f"/api/v1/shares/{share['id']}", headers=ana.headers,
                 json={"password": "segredo"})
    visitor, token = app.test_client(), share["token"]
    url = f"/s/{token}" + path.format(a=ids["a.txt"], c=ids["c.txt"])
    assert visitor.get(url, headers={"Accept": "application/json"}).status_code == 401
    assert visitor.get(f"/s/{token}?folder={folders['Fotos']}").status_code == 200
    assert "b.txt" not in visitor.get(f"/s/{token}?folder={folders['Fotos']}").get_data(
        as_text=True)
    visitor.post(f"/s/{token}", data={"password": "segredo"})
    assert visitor.get(url).status_code == 200


@pytest.mark.parametrize("path", ["", "?folder={f}", "/download", "/zip", "/files/{a}"])
def test_expiry_revocation_and_recipients_end_every_url(app, client, mixed, path, verified):
    ana, ids, folders, share = mixed
    verified.add(ana.email)  # links are mailed only from a verified address
    url = f"/s/{share['token']}" + path.format(a=ids["a.txt"], f=folders["Fotos"])
    with app.app_context():
        from compartilha.models import Share
        from compartilha.models.columns import utcnow

        db.session.get(Share, share["id"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    rv = app.test_client().get(url, headers={"Accept": "application/json"})
    assert rv.status_code == 410 and error_code(rv) == "share_expired"
    client.delete(f"/api/v1/shares/{share['id']}", headers=ana.headers)
    assert app.test_client().get(url).status_code == 410
    sent = create(client, ana, file_ids=[ids["a.txt"]], folder_ids=[folders["Fotos"]],
                  recipients=["x@example.com"]).get_json()["shares"][0]
    url = f"/s/{sent['token']}" + path.format(a=ids["a.txt"], f=folders["Fotos"])
    rv = app.test_client().get(url)
    assert rv.status_code == (200 if path in ("", "?folder={f}") else 404)
    if rv.status_code == 200:  # the page asks for the address: nothing of the link shows
        assert "a.txt" not in rv.get_data(as_text=True)


def test_a_link_whose_items_were_all_deleted_ends(app, client, tree):
    ana, ids, folders = tree
    share = create(client, ana, file_ids=[ids["a.txt"], ids["d.txt"]]).get_json()["share"]
    for name in ("a.txt", "d.txt"):
        client.delete(f"/api/v1/files/{ids[name]}", headers=ana.headers)
    visitor = app.test_client()
    page = visitor.get(f"/s/{share['token']}")
    assert page.status_code == 410 and "Não resta nada neste link" in page.get_data(as_text=True)
    assert visitor.get(f"/s/{share['token']}/zip").status_code == 410
    listed = client.get("/api/v1/shares", headers=ana.headers).get_json()["shares"][0]
    assert listed["items"] == []
