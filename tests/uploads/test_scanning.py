"""Every way in is scanned by a real clamd before the file is recorded: the API's
multipart upload, tus (and its concatenation), and an upload link's form and tus.
Malware is refused with 422 `malware_detected` and leaves nothing anywhere; without a
verdict the upload is refused (503) or kept "unscanned", as CLAMAV_UNAVAILABLE says."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from compartilha.extensions import db
from compartilha.models import File, Notification, Upload
from compartilha.storage import get_storage
from tests.helpers import TUS, error_code
from tests.servers import CUSTOM_FOUND, CUSTOM_MARKER, EICAR, EICAR_FOUND, free_ports
from tests.web.test_request_uploads import create as link_create
from tests.web.test_request_uploads import location as link_location
from tests.web.test_request_uploads import patch as link_patch

JSON = {"Accept": "application/json"}
CUSTOM = b"%PDF-1.4 harmless looking start\n" + CUSTOM_MARKER + b"\n%%EOF\n"


@pytest.fixture
def scanning(app, clamd):
    app.config["CLAMAV_URL"] = clamd.tcp_url
    return clamd


@pytest.fixture
def scanner_stopped(app):
    """A CLAMAV_URL where no clamd listens, as when it is stopped."""
    app.config["CLAMAV_URL"] = f"tcp://127.0.0.1:{free_ports(1)[0]}"


@pytest.fixture
def owner(auth):
    return auth.user(name="Dona Ana")


def nothing_kept(app) -> None:
    """No file, no upload, no byte: not in storage, not staged, not half-written."""
    with app.app_context():
        storage = get_storage()
        assert list(storage.keys()) == []
        assert list(storage.unfinished_uploads()) == []
        assert storage.stale_partials(0) == []
        assert db.session.scalar(select(func.count(File.id))) == 0
        assert db.session.scalar(select(func.count(Upload.id))) == 0


def told(app, user_email: str) -> list[dict]:
    """The data of the owner's malware notifications."""
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(
            Notification.kind == "file.malware")).all()
        return [row.data for row in rows]


def tus_upload(client, owner, data: bytes, name: str = "a.bin", step: int = 40):
    """Create and send a tus upload in pieces; the last answer, and the upload's path."""
    meta = "filename " + base64.b64encode(name.encode()).decode()
    rv = client.post("/api/v1/uploads", headers={
        **TUS, **owner.headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    assert rv.status_code == 201, rv.get_json()
    path, offset = urlsplit(rv.headers["Location"]).path, 0
    while True:
        rv = client.patch(path, data=data[offset:offset + step], headers={
            **TUS, **owner.headers, "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream"})
        if rv.status_code != 204 or offset + step >= len(data):
            return rv, path
        offset += step


def make_link(client, owner) -> str:
    rv = client.post("/api/v1/requests", headers=owner.headers, json={"title": "Fotos"})
    assert rv.status_code == 201, rv.get_json()
    return rv.get_json()["request"]["token"]


def link_send(visitor, token: str, data: bytes, name: str = "foto.jpg"):
    return visitor.post(f"/r/{token}/files", headers=JSON, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(data), name, "image/jpeg")})


@pytest.mark.both_storages
@pytest.mark.parametrize(("data", "signature"), [(EICAR, EICAR_FOUND), (CUSTOM, CUSTOM_FOUND)])
def test_malware_sent_as_multipart_is_refused_and_leaves_nothing(app, client, auth, owner,
                                                                 scanning, data, signature):
    rv = auth.upload(owner, data, "invoice.pdf")
    assert rv.status_code == 422 and error_code(rv) == "malware_detected"
    assert signature in rv.get_json()["error"]["message"]
    nothing_kept(app)
    [notice] = told(app, owner.email)
    assert notice["name"] == "invoice.pdf" and notice["signature"] == signature
    assert notice["way"] == "multipart"


@pytest.mark.both_storages
@pytest.mark.parametrize(("data", "signature"), [(EICAR, EICAR_FOUND), (CUSTOM, CUSTOM_FOUND)])
def test_malware_sent_by_tus_is_refused_at_its_last_patch_and_the_upload_is_gone(
        app, client, owner, scanning, data, signature):
    rv, path = tus_upload(client, owner, data, "eicar.com")
    assert rv.status_code == 422 and error_code(rv) == "malware_detected"
    assert signature in rv.get_json()["error"]["message"]
    assert client.head(path, headers={**TUS, **owner.headers}).status_code == 404
    nothing_kept(app)
    [notice] = told(app, owner.email)
    assert notice["name"] == "eicar.com" and notice["way"] == "tus"


def test_malware_assembled_by_tus_concatenation_is_refused_with_its_partials(
        app, client, owner, scanning):
    half = len(CUSTOM) // 2  # the marker is split: each partial alone is clean
    urls = []
    for piece in (CUSTOM[:half], CUSTOM[half:]):
        rv = client.post("/api/v1/uploads", headers={
            **TUS, **owner.headers, "Upload-Length": str(len(piece)),
            "Upload-Concat": "partial"})
        path = urlsplit(rv.headers["Location"]).path
        assert client.patch(path, data=piece, headers={
            **TUS, **owner.headers, "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}).status_code == 204
        urls.append(rv.headers["Location"])
    rv = client.post("/api/v1/uploads", headers={
        **TUS, **owner.headers, "Upload-Concat": "final;" + " ".join(urls)})
    assert rv.status_code == 422 and error_code(rv) == "malware_detected"
    nothing_kept(app)


def test_malware_sent_to_an_upload_link_by_form_is_refused_and_the_owner_told(
        app, client, owner, scanning):
    token = make_link(client, owner)
    visitor = app.test_client()
    rv = link_send(visitor, token, EICAR, "notas.txt")
    assert rv.status_code == 422 and error_code(rv) == "malware_detected"
    assert EICAR_FOUND in rv.get_json()["error"]["message"]
    nothing_kept(app)
    [notice] = told(app, owner.email)
    assert notice["request_title"] == "Fotos" and notice["name"] == "notas.txt"
    # The link took nothing: a clean file still arrives, as its first.
    assert link_send(visitor, token, b"a real photo").status_code == 201


def test_malware_sent_to_an_upload_link_by_tus_is_refused_and_the_owner_told(
        app, client, owner, scanning):
    token = make_link(client, owner)
    visitor = app.test_client()
    rv = link_create(visitor, token, len(CUSTOM))
    assert rv.status_code == 201, rv.get_json()
    where = link_location(rv)
    rv = link_patch(visitor, where, 0, CUSTOM)
    assert rv.status_code == 422 and error_code(rv) == "malware_detected"
    assert visitor.head(where, headers=TUS).status_code == 404
    nothing_kept(app)
    [notice] = told(app, owner.email)
    assert notice["request_title"] == "Fotos" and notice["signature"] == CUSTOM_FOUND


@pytest.mark.both_storages
def test_a_clean_file_is_stored_as_clean_by_every_way(app, client, auth, owner, scanning):
    assert auth.file(owner, b"clean words")["scan"] == "clean"
    rv, _ = tus_upload(client, owner, b"clean words, by tus" * 10)
    assert rv.status_code == 204
    listed = client.get("/api/v1/files", headers=owner.headers).get_json()["files"]
    assert [f["scan"] for f in listed] == ["clean", "clean"]
    assert told(app, owner.email) == []


def test_without_a_scanner_files_are_not_scanned(app, client, auth, owner):
    assert auth.file(owner, EICAR, "eicar.txt")["scan"] is None


def test_scanner_down_refuses_by_default_and_keeps_nothing(app, client, auth, owner,
                                                          scanner_stopped):
    rv = auth.upload(owner, b"fine")
    assert rv.status_code == 503 and error_code(rv) == "scanner_unavailable"
    assert rv.headers["Retry-After"]
    rv, path = tus_upload(client, owner, b"fine, by tus")
    assert rv.status_code == 503 and error_code(rv) == "scanner_unavailable"
    assert rv.headers["Retry-After"]
    assert client.head(path, headers={**TUS, **owner.headers}).status_code == 404
    nothing_kept(app)


def test_scanner_down_keeps_files_unscanned_when_told_to_accept(app, client, auth, owner,
                                                                scanner_stopped):
    app.config["CLAMAV_UNAVAILABLE"] = "accept"
    assert auth.file(owner, b"fine")["scan"] == "unscanned"
    rv, _ = tus_upload(client, owner, b"fine, by tus")
    assert rv.status_code == 204
    listed = client.get("/api/v1/files", headers=owner.headers).get_json()["files"]
    assert [f["scan"] for f in listed] == ["unscanned", "unscanned"]


def test_clamd_stopped_for_real_then_refused(app, client, auth, owner, tmp_path):
    from tests.servers import start_clamd, stop

    own = start_clamd(tmp_path / "clamd")
    app.config["CLAMAV_URL"] = own.unix_url
    assert auth.file(owner, b"before")["scan"] == "clean"
    stop(own.process)
    rv = auth.upload(owner, b"after")
    assert rv.status_code == 503 and error_code(rv) == "scanner_unavailable"
    listed = client.get("/api/v1/files", headers=owner.headers).get_json()["files"]
    assert [f["name"] for f in listed] == ["hello.txt"]
