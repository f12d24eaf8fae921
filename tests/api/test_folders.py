import io

import pytest

from compartilha.storage import get_storage
from tests.helpers import error_code

pytestmark = pytest.mark.both_storages  # local folder and S3 (TEST_STORAGES=all)
API = "/api/v1"


def mkdir(client, account, name, parent_id=None):
    rv = client.post(f"{API}/folders", headers=account.headers,
                     json={"name": name, "parent_id": parent_id})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["folder"]


def upload(client, account, data=b"x", name="a.txt", **fields):
    form = {"file": (io.BytesIO(data), name, "text/plain")} | {
        k: str(v) for k, v in fields.items()}
    return client.post(f"{API}/files", headers=account.headers, data=form,
                       content_type="multipart/form-data")


def test_create_list_get(client, auth):
    ana = auth.user()
    docs = mkdir(client, ana, "Docs")
    assert set(docs) == {"id", "name", "parent_id", "created_at"}
    assert (docs["name"], docs["parent_id"]) == ("Docs", None)
    sub = mkdir(client, ana, "Sub", docs["id"])
    again = mkdir(client, ana, "Docs")
    assert again["name"] == "Docs (2)"
    rv = client.get(f"{API}/folders", headers=ana.headers)
    assert [f["name"] for f in rv.get_json()["folders"]] == ["Docs", "Docs (2)"]
    rv = client.get(f"{API}/folders", headers=ana.headers, query_string={"parent_id": docs["id"]})
    assert [f["id"] for f in rv.get_json()["folders"]] == [sub["id"]]
    file = upload(client, ana, folder_id=sub["id"]).get_json()["file"]
    assert file["folder_id"] == sub["id"]
    body = client.get(f"{API}/folders/{sub['id']}", headers=ana.headers).get_json()
    assert body["folder"]["id"] == sub["id"]
    assert [f["name"] for f in body["path"]] == ["Docs", "Sub"]
    assert body["folders"] == [] and [f["id"] for f in body["files"]] == [file["id"]]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "a/b"}, {"name": ".."},
                                  {"name": "x", "parent_id": 0}, {"name": "x", "parent_id": "1"},
                                  {"name": "x", "parent_id": 2**31}])
def test_create_refuses_bad_input(client, auth, body):
    rv = client.post(f"{API}/folders", headers=auth.user().headers, json=body)
    assert rv.status_code == 422
    assert error_code(rv) == "invalid_field"


def test_rename_move_and_cycles(client, auth):
    ana = auth.user()
    a = mkdir(client, ana, "a")
    b = mkdir(client, ana, "b", a["id"])
    rv = client.patch(f"{API}/folders/{a['id']}", headers=ana.headers,
                      json={"parent_id": b["id"]})
    assert rv.status_code == 422 and error_code(rv) == "folder_cycle"
    rv = client.patch(f"{API}/folders/{a['id']}", headers=ana.headers,
                      json={"parent_id": a["id"]})
    assert rv.status_code == 422 and error_code(rv) == "folder_cycle"
    rv = client.patch(f"{API}/folders/{b['id']}", headers=ana.headers,
                      json={"name": "B", "parent_id": None})
    assert rv.status_code == 200
    assert (rv.get_json()["folder"]["name"], rv.get_json()["folder"]["parent_id"]) == ("B", None)
    rv = client.patch(f"{API}/folders/{a['id']}", headers=ana.headers, json={"name": "B"})
    assert rv.get_json()["folder"]["name"] == "B (2)"


def test_another_users_folder_is_404(client, auth):
    ana, rui = auth.user(), auth.user(name="Rui")
    theirs = mkdir(client, rui, "deles")
    fid = theirs["id"]
    for method, url, kwargs in [
            ("get", f"{API}/folders/{fid}", {}),
            ("patch", f"{API}/folders/{fid}", {"json": {"name": "x"}}),
            ("delete", f"{API}/folders/{fid}", {}),
            ("get", f"{API}/folders", {"query_string": {"parent_id": fid}}),
            ("get", f"{API}/files", {"query_string": {"folder_id": fid}}),
            ("post", f"{API}/folders", {"json": {"name": "x", "parent_id": fid}})]:
        rv = getattr(client, method)(url, headers=ana.headers, **kwargs)
        assert rv.status_code == 404, (method, url)
        assert error_code(rv) == "folder_not_found"
    rv = upload(client, ana, folder_id=fid)
    assert rv.status_code == 404 and error_code(rv) == "folder_not_found"
    mine = auth.file(ana)
    rv = client.patch(f"{API}/files/{mine['id']}", headers=ana.headers, json={"folder_id": fid})
    assert rv.status_code == 404
    assert client.get(f"{API}/folders/{fid}", headers=rui.headers).status_code == 200


def test_delete_with_content_removes_bytes(client, auth, app):
    ana = auth.user()
    top = mkdir(client, ana, "top")
    sub = mkdir(client, ana, "sub", top["id"])
    upload(client, ana, b"1", "a.txt", folder_id=top["id"])
    upload(client, ana, b"2", "b.txt", folder_id=sub["id"])
    kept = upload(client, ana, b"3", "kept.txt").get_json()["file"]
    with app.app_context():
        assert len(list(get_storage().keys())) == 3
    rv = client.delete(f"{API}/folders/{top['id']}", headers=ana.headers)
    assert rv.status_code == 204
    with app.app_context():
        assert len(list(get_storage().keys())) == 1
    listed = client.get(f"{API}/files", headers=ana.headers).get_json()["files"]
    assert [f["id"] for f in listed] == [kept["id"]]
    assert client.get(f"{API}/folders/{sub['id']}", headers=ana.headers).status_code == 404


def test_deleting_a_folder_ends_the_links_to_its_files(client, auth):
    ana = auth.user()
    top = mkdir(client, ana, "top")
    sub = mkdir(client, ana, "sub", top["id"])
    inside = upload(client, ana, b"1", "a.txt", folder_id=sub["id"]).get_json()["file"]
    share = auth.share(ana, inside["id"])
    assert client.get(f"/s/{share['token']}/download").status_code == 200
    assert client.delete(f"{API}/folders/{top['id']}", headers=ana.headers).status_code == 204
    assert client.get(f"/s/{share['token']}/download").status_code == 404
    assert client.get(f"{API}/shares", headers=ana.headers).get_json()["shares"] == []


def test_a_refused_file_in_a_path_makes_no_folders(client, auth, app):
    ana = auth.user()
    app.config["UPLOADED_FILES_DENY"] = ("exe",)
    from flask_uploads import configure_uploads

    from compartilha.extensions import upload_set
    configure_uploads(app, upload_set)
    rv = upload(client, ana, path="x/y/virus.exe")
    assert rv.status_code == 422 and error_code(rv) == "upload_refused"
    assert client.get(f"{API}/folders", headers=ana.headers).get_json()["folders"] == []


def test_path_upload_builds_the_tree(client, auth):
    ana = auth.user()
    base = mkdir(client, ana, "base")
    for path in ["x/y/z.txt", "x/y/w.txt", "x/top.txt"]:
        rv = upload(client, ana, path.encode(), "ignored.bin", folder_id=base["id"], path=path)
        assert rv.status_code == 201, rv.get_json()
    [x] = client.get(f"{API}/folders/{base['id']}", headers=ana.headers).get_json()["folders"]
    assert x["name"] == "x"
    inside = client.get(f"{API}/folders/{x['id']}", headers=ana.headers).get_json()
    assert [f["name"] for f in inside["folders"]] == ["y"]
    assert [f["name"] for f in inside["files"]] == ["top.txt"]
    y = client.get(f"{API}/folders/{inside['folders'][0]['id']}", headers=ana.headers).get_json()
    assert [f["name"] for f in y["files"]] == ["w.txt", "z.txt"]
    assert [f["name"] for f in y["path"]] == ["base", "x", "y"]


@pytest.mark.parametrize("path", ["../a.txt", "x/../../a.txt", "/etc/passwd", "x//a.txt",
                                  "x/./a.txt", "..", "x/", "C:\\x\\a.txt", "\\\\srv\\a.txt",
                                  "%2e%2e/a.txt/.."])
def test_path_traversal_is_refused(client, auth, app, path):
    ana = auth.user()
    rv = upload(client, ana, path=path)
    assert rv.status_code == 422, path
    assert rv.get_json()["error"]["field"] == "path"
    with app.app_context():
        assert list(get_storage().keys()) == []
    assert client.get(f"{API}/folders", headers=ana.headers).get_json()["folders"] == []


def test_list_by_folder_and_search(client, auth):
    ana = auth.user()
    docs = mkdir(client, ana, "docs")
    upload(client, ana, name="Relatório Final.pdf", folder_id=docs["id"])
    upload(client, ana, name="relatório-2.txt")
    upload(client, ana, name="foto.png")
    upload(client, ana, name="50%_off.txt")

    def names(**query):
        rv = client.get(f"{API}/files", headers=ana.headers, query_string=query)
        assert rv.status_code == 200, rv.get_json()
        return sorted(f["name"] for f in rv.get_json()["files"])

    assert names(folder_id=docs["id"]) == ["Relatório Final.pdf"]
    assert names(folder_id=0) == ["50%_off.txt", "foto.png", "relatório-2.txt"]
    assert names(q="RELAT") == ["Relatório Final.pdf", "relatório-2.txt"]
    assert names(q="%") == ["50%_off.txt"]  # LIKE wildcards are escaped
    assert names(q="relat", folder_id=0) == ["relatório-2.txt"]
    assert len(names()) == 4


def test_rename_and_move_a_file(client, auth):
    ana = auth.user()
    docs = mkdir(client, ana, "docs")
    upload(client, ana, name="a.txt", folder_id=docs["id"])
    loose = upload(client, ana, name="a.txt").get_json()["file"]
    rv = client.patch(f"{API}/files/{loose['id']}", headers=ana.headers,
                      json={"folder_id": docs["id"]})
    assert rv.status_code == 200
    assert rv.get_json()["file"] | {} == rv.get_json()["file"]
    assert (rv.get_json()["file"]["name"], rv.get_json()["file"]["folder_id"]) == (
        "a (2).txt", docs["id"])
    rv = client.patch(f"{API}/files/{loose['id']}", headers=ana.headers,
                      json={"name": "novo.txt", "folder_id": None})
    assert (rv.get_json()["file"]["name"], rv.get_json()["file"]["folder_id"]) == (
        "novo.txt", None)
    rv = client.patch(f"{API}/files/{loose['id']}", headers=ana.headers, json={"name": "../x"})
    assert rv.get_json()["file"]["name"] == "x"


def test_tus_upload_into_a_folder_with_a_path(client, auth):
    import base64

    ana = auth.user()
    base = mkdir(client, ana, "base")

    def meta(**values):
        return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}"
                        for k, v in values.items())

    data = b"tus bytes"
    rv = client.post(f"{API}/uploads", headers=ana.headers | {
        "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)),
        "Upload-Metadata": meta(filename="ignored", folder_id=base["id"], path="p/q/r.txt")})
    assert rv.status_code == 201, rv.get_json()
    rv = client.patch(rv.headers["Location"], data=data, headers=ana.headers | {
        "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream"})
    assert rv.status_code == 204
    file = client.get(f"{API}/files/{rv.headers['Compartilha-File-Id']}",
                      headers=ana.headers).get_json()["file"]
    assert file["name"] == "r.txt"
    folder = client.get(f"{API}/folders/{file['folder_id']}", headers=ana.headers).get_json()
    assert [f["name"] for f in folder["path"]] == ["base", "p", "q"]
    for bad in ({"path": "../r.txt"}, {"folder_id": 2**31 - 1}, {"folder_id": "x"}):
        rv = client.post(f"{API}/uploads", headers=ana.headers | {
            "Tus-Resumable": "1.0.0", "Upload-Length": "1",
            "Upload-Metadata": meta(filename="a.txt", **bad)})
        assert rv.status_code in (404, 422), bad


def test_concurrent_path_uploads_make_each_folder_once(app, client, auth):
    """Eight uploads into the same new "x/y/" at once (a browser sends several at a time)
    make one "x" and one "y", on SQLite and on MariaDB."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import make_server

    from tests.helpers import serving

    ana = auth.user()
    uploads = 8
    barrier = threading.Barrier(uploads)

    def one(n):
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n"
                f"x/y/{n}.txt\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"file\"; filename=\"{n}.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                f"{n}\r\n--{boundary}--\r\n").encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        conn.request("POST", "/api/v1/files", body, headers=ana.headers | {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        status = conn.getresponse().status
        conn.close()
        return status

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    with serving(server), ThreadPoolExecutor(uploads) as pool:
        statuses = list(pool.map(one, range(uploads)))
    assert statuses == [201] * uploads
    [x] = client.get(f"{API}/folders", headers=ana.headers).get_json()["folders"]
    [y] = client.get(f"{API}/folders/{x['id']}", headers=ana.headers).get_json()["folders"]
    held = client.get(f"{API}/folders/{y['id']}", headers=ana.headers).get_json()["files"]
    assert len(held) == uploads


def test_tus_concatenation_lands_in_the_folder(client, auth):
    import base64

    ana = auth.user()
    docs = mkdir(client, ana, "docs")
    tus = {"Tus-Resumable": "1.0.0"}
    urls = []
    for part in (b"abc", b"def"):
        rv = client.post(f"{API}/uploads", headers=ana.headers | tus | {
            "Upload-Length": str(len(part)), "Upload-Concat": "partial",
            "Content-Type": "application/offset+octet-stream"}, data=part)
        assert rv.status_code == 201, rv.get_json()
        urls.append(rv.headers["Location"])
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in {"filename": "x", "folder_id": str(docs["id"]),
                                 "path": "sub/whole.txt"}.items())
    rv = client.post(f"{API}/uploads", headers=ana.headers | tus | {
        "Upload-Concat": "final;" + " ".join(urls), "Upload-Metadata": meta})
    assert rv.status_code == 201, rv.get_json()
    file = client.get(f"{API}/files/{rv.headers['Compartilha-File-Id']}",
                      headers=ana.headers).get_json()["file"]
    assert file["name"] == "whole.txt" and file["size"] == 6
    folder = client.get(f"{API}/folders/{file['folder_id']}", headers=ana.headers).get_json()
    assert [f["name"] for f in folder["path"]] == ["docs", "sub"]
