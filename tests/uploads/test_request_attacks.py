"""Attacks on upload links over real HTTP, against gunicorn (two worker processes of eight
threads) on SQLite and MariaDB: uploads racing for a link's last places, guessed tokens,
and names and relative paths meant to escape the link's folder (issue 17, "Done when")."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import selectors
import socket
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from compartilha.extensions import db
from compartilha.models import File
from compartilha.models.folders import Folder
from tests.helpers import unfinished_uploads
from tests.web.test_file_requests import make, stored_files

TUS = {"Tus-Resumable": "1.0.0", "Accept": "application/json"}
JSON = {"Accept": "application/json"}
RACERS = 20


@pytest.fixture
def owner(auth):
    return auth.user(name="Dona Ana")


def meta(**pairs: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in pairs.items())


def tus_create(base: str, token: str, length: int, **pairs: str) -> requests.Response:
    pairs.setdefault("filename", "foto.jpg")
    return requests.post(f"{base}/r/{token}/uploads", timeout=30, headers={
        **TUS, "Upload-Length": str(length), "Upload-Metadata": meta(**pairs)})


def tus_patch(url: str, data: bytes, offset: int = 0) -> requests.Response:
    return requests.patch(url, data=data, timeout=60, headers={
        **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A form body built by hand, so the file name goes exactly as given (as a browser
    sends it: UTF-8, only `"` and line ends escaped), NUL and backslashes included."""
    boundary = "----compartilha" + hashlib.sha256(data + filename.encode()).hexdigest()[:16]
    escaped = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    body = b""
    for key, value in fields.items():
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                 f"{value}\r\n").encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
             f'filename="{escaped}"\r\nContent-Type: application/octet-stream\r\n\r\n'
             ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def form_upload(base: str, token: str, data: bytes, filename: str = "foto.jpg",
                **fields: str) -> requests.Response:
    body, content_type = multipart(fields, filename, data)
    return requests.post(f"{base}/r/{token}/files", data=body, timeout=60,
                         headers={**JSON, "Content-Type": content_type})


def code(response: requests.Response) -> str:
    return response.json()["error"]["code"]


def received(app, link: dict) -> list[File]:
    with app.app_context():
        return list(db.session.scalars(select(File).where(File.request_id == link["id"])))


def counters(client, owner, link: dict) -> tuple[int, int]:
    got = client.get(f"/api/v1/requests/{link['id']}", headers=owner.headers).get_json()
    return got["request"]["files_received"], got["request"]["bytes_received"]


# --- 20 uploads racing for the link's last places -------------------------------------


def race(base: str, token: str, sizes: list[int]) -> list[tuple[str, int, str]]:
    """RACERS uploads at once, half by form and half by tus (created first, so that every
    creation passes the link's pre-check, and then all of their bodies race the forms'):
    (how, status, error code or "") for each."""
    half = RACERS // 2
    created = []
    for i in range(half):
        data = bytes([i]) * sizes[i]
        rv = tus_create(base, token, len(data), filename=f"tus{i}.bin")
        assert rv.status_code == 201, rv.text
        created.append((rv.headers["Location"], data))
    start = threading.Barrier(RACERS)

    def by_tus(i: int) -> tuple[str, int, str]:
        url, data = created[i]
        start.wait()
        rv = tus_patch(url, data)
        return "tus", rv.status_code, "" if rv.status_code == 204 else code(rv)

    def by_form(i: int) -> tuple[str, int, str]:
        data = bytes([100 + i]) * sizes[half + i]
        start.wait()
        rv = form_upload(base, token, data, f"form{i}.bin")
        return "form", rv.status_code, "" if rv.status_code == 201 else code(rv)

    with ThreadPoolExecutor(RACERS) as pool:
        futures = [pool.submit(by_tus, i) for i in range(half)]
        futures += [pool.submit(by_form, i) for i in range(half)]
        return [future.result(timeout=120) for future in futures]


def test_twenty_racing_uploads_keep_max_files_exactly(app, client, owner, gunicorn_app):
    link = make(client, owner, max_files=3)
    base = gunicorn_app()
    results = race(base, link["token"], [1000] * RACERS)

    won = [r for r in results if r[1] in (201, 204)]
    assert len(won) == 3, results
    # A full link is 410 `request_full` (documented); nothing else, no 500.
    assert all(r[1:] == (410, "request_full") for r in results if r not in won), results
    assert len(received(app, link)) == 3
    assert counters(client, owner, link) == (3, 3000)
    assert len(stored_files(app)) == 3  # the losers' bytes went with their transaction
    assert unfinished_uploads(app) == []
    assert requests.get(f"{base}/r/{link['token']}", timeout=10).status_code == 410


def test_twenty_racing_uploads_keep_max_total_bytes_exactly(app, client, owner, gunicorn_app):
    # Sizes 700..719: any 4 of them pass 2100 bytes and any 3 fit under it, so exactly 3
    # can be kept, whichever win.
    sizes = [700 + i for i in range(RACERS)]
    link = make(client, owner, max_total_bytes=3 * 719)
    base = gunicorn_app()
    results = race(base, link["token"], sizes)

    won = [r for r in results if r[1] in (201, 204)]
    assert len(won) == 3, results
    # A loser is 413 (its file would pass the total) or, once the total is reached, 410.
    assert all(r[1:] in ((413, "too_large"), (410, "request_full"))
               for r in results if r not in won), results
    kept = received(app, link)
    assert len(kept) == 3 and sum(f.size for f in kept) <= 3 * 719
    assert counters(client, owner, link) == (3, sum(f.size for f in kept))
    assert len(stored_files(app)) == 3
    assert unfinished_uploads(app) == []


# --- guessed tokens ---------------------------------------------------------------------


def near_misses(token: str) -> dict[str, str]:
    """URL path forms of tokens that are not the link's, though a lax comparison (MariaDB's
    case- and trailing-space-blind collation, a C string's NUL) would take them for it."""
    flipped = token[:10] + ("B" if token[10] != "B" else "C") + token[11:]
    return {"one character changed": flipped, "upper-cased": token.upper(),
            "lower-cased": token.lower(), "trailing space": token + "%20",
            "trailing tab": token + "%09", "trailing NUL": token + "%00",
            "NUL inside": token[:20] + "%00" + token[20:], "too long": token + "A",
            "too short": token[:-1], "empty": "%20"}


def test_guessed_tokens_are_404_and_misses_are_throttled(app, client, owner, gunicorn_app):
    link = make(client, owner, max_files=5)
    token = link["token"]
    assert token != token.upper() and token != token.lower()
    base = gunicorn_app(RATELIMIT_SHARE_MISS="40 per 15 minutes")
    session = requests.Session()
    assert session.get(f"{base}/r/{token}", timeout=10).status_code == 200

    misses = 0
    for why, guess in near_misses(token).items():
        answers = {
            "page": session.get(f"{base}/r/{guess}", headers=JSON, timeout=10),
            "form": session.post(f"{base}/r/{guess}/files", headers=JSON, timeout=10,
                                 files={"file": ("a.txt", b"guess")}),
            "tus": session.post(f"{base}/r/{guess}/uploads", timeout=10, headers={
                **TUS, "Upload-Length": "5", "Upload-Metadata": meta(filename="a.txt")}),
        }
        for where, rv in answers.items():
            assert rv.status_code == 404, (why, where, rv.status_code, rv.text[:200])
            if rv.headers.get("Content-Type", "").startswith("application/json"):
                assert code(rv) in ("request_not_found", "not_found"), (why, where)
            misses += 1
    assert misses == 30
    assert received(app, link) == [] and stored_files(app) == []
    # Ten misses more reach the limit (40): then every answer to this client is 429,
    # the real link's included, so guessing cannot go on by trying it in between.
    for i in range(10):
        rv = session.get(f"{base}/r/{token[:-2]}{i:02d}", headers=JSON, timeout=10)
        assert rv.status_code == 404, rv.text
    for guess in (token[:-1] + "x", token):
        rv = session.get(f"{base}/r/{guess}", headers=JSON, timeout=10)
        assert rv.status_code == 429 and rv.headers.get("Retry-After"), rv.text


# --- names and relative paths -------------------------------------------------------------

NAMES = {  # sent as the file's name → stored as
    "NUL": ("a\x00b.txt", "ab.txt"),
    "300 characters": ("n" * 296 + ".txt", "n" * 251 + ".txt"),
    "backslashes": ("..\\..\\evil.txt", None),
    "dot-dot": ("../../evil.txt", "evil.txt"),
    "absolute": ("/etc/evil.txt", "evil.txt"),
    "drive letter": ("C:\\Windows\\evil.txt", None),
    "control characters": ("a\x1b[31m\x07b\x7f.txt", "a[31mb.txt"),
    "RTL override": ("fatura\u202etxt.exe.txt", "faturatxt.exe.txt"),
    "empty": ("", "file"),
    "only dots": ("..", "file"),
}

PATHS_REFUSED = {
    "dot-dot": "../evil.txt",
    "dot-dot inside": "Album/../../evil.txt",
    "backslash dot-dot": "Album\\..\\..\\evil.txt",
    "absolute": "/etc/evil.txt",
    "drive letter": "C:\\Windows\\evil.txt",
    "drive letter, slashes": "C:/evil.txt",
    "UNC": "\\\\server\\share\\evil.txt",
    "empty part": "Album//evil.txt",
    "NUL part": "Album/\x00/evil.txt",
    "dot": "./evil.txt",
    "300-character folder": "p" * 300 + "/evil.txt",
}

PATHS_KEPT = {  # relative path → (folders below the link's, stored name)
    "folders": ("Album/2026/foto.jpg", ["Album", "2026"], "foto.jpg"),
    "backslashes": ("Album\\2025\\foto.jpg", ["Album", "2025"], "foto.jpg"),
    "control characters": ("Al\x1bbum\u202e/f\x00oto.jpg", ["Album"], "foto.jpg"),
}


def safe(name: str) -> bool:
    return (0 < len(name) <= 255 and "/" not in name and "\\" not in name
            and name not in (".", "..") and not name.startswith(".")
            and all(unicodedata.category(ch)[0] != "C" for ch in name))


def below(app, link: dict, file: File) -> list[str]:
    """The folders from the link's folder down to the file's; fails if it is not below."""
    names: list[str] = []
    with app.app_context():
        folder_id = file.folder_id
        while folder_id != link["folder_id"]:
            assert folder_id is not None, f"{file.name} is outside the link's folder"
            folder = db.session.get(Folder, folder_id)
            names.insert(0, folder.name)
            folder_id = folder.parent_id
    return names


@pytest.mark.parametrize("how", ["form", "tus"])
def test_names_and_paths_are_cleaned_or_refused(app, client, owner, gunicorn_app, tmp_path,
                                                how):
    link = make(client, owner)
    base = gunicorn_app(RATELIMIT_REQUEST_UPLOAD="1000 per hour")

    def send(data: bytes, name: str, path: str | None = None) -> requests.Response:
        extra = {} if path is None else {"path": path}
        if how == "form":
            return form_upload(base, link["token"], data, name, **extra)
        rv = tus_create(base, link["token"], len(data), filename=name, **extra)
        if rv.status_code != 201:
            return rv
        return requests.get(rv.headers["Location"], timeout=10) \
            if tus_patch(rv.headers["Location"], data).status_code == 204 else rv

    kept = 0
    for why, (sent, expected) in NAMES.items():
        data = why.encode()
        rv = send(data, sent)
        assert rv.status_code in (200, 201), (why, rv.text)
        kept += 1
        with app.app_context():
            record = db.session.scalar(select(File).where(
                File.request_id == link["id"], File.sha256 == hashlib.sha256(data).hexdigest()))
        assert safe(record.name) and safe(record.sent_name), (why, record.name)
        assert rv.json()["file"]["name"] == record.sent_name, why
        if expected is not None:  # as sent, cleaned ("evil (2).txt" in the folder)
            assert record.sent_name == expected, (why, record.sent_name)
        assert below(app, link, record) == [], why  # in the link's folder itself

    for why, path in PATHS_REFUSED.items():
        rv = send(b"refused", "evil.txt", path)
        assert rv.status_code == 422, (why, rv.status_code, rv.text)
        assert rv.json()["error"]["field"] in ("path", "name"), (why, rv.text)

    for why, (path, folders, name) in PATHS_KEPT.items():
        data = f"kept {why}".encode()
        rv = send(data, "ignored.txt", path)
        assert rv.status_code in (200, 201), (why, rv.text)
        kept += 1
        with app.app_context():
            record = db.session.scalar(select(File).where(
                File.sha256 == hashlib.sha256(data).hexdigest()))
        assert (below(app, link, record), record.name) == (folders, name), why

    files = received(app, link)
    assert len(files) == kept and all(safe(f.name) for f in files)
    with app.app_context():
        made = db.session.scalars(select(Folder.name)).all()
    assert all(safe(name) for name in made), made
    # The bytes are only the kept files', inside the storage; nothing named by a visitor
    # was written anywhere on the disk.
    assert len(stored_files(app)) == kept and unfinished_uploads(app) == []
    assert not [p for p in Path(tmp_path).parent.rglob("evil.txt")]


# --- what a visitor sends is never run in our origin -------------------------------------

HOSTILE = {  # name, declared type, bytes
    "pagina.html": ("text/html", b"<html><script>alert(document.cookie)</script></html>"),
    "desenho.svg": ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" '
                    b'onload="alert(1)"/>'),
    "foto.jpg": ("image/jpeg", b"<html><script>alert('not a jpeg')</script></html>"),
}


def test_what_a_visitor_sends_is_never_served_inline(app, client, owner, gunicorn_app):
    link = make(client, owner)
    base = gunicorn_app()
    for name, (declared, data) in HOSTILE.items():
        body, content_type = multipart({}, name, data)
        body = body.replace(b"application/octet-stream", declared.encode())
        rv = requests.post(f"{base}/r/{link['token']}/files", data=body, timeout=30,
                           headers={**JSON, "Content-Type": content_type})
        assert rv.status_code == 201, rv.text
        assert rv.headers["Content-Type"].startswith("application/json")
        assert data not in rv.content  # the receipt never echoes the bytes
    with app.app_context():
        ids = {f.name: f.id for f in received(app, link)}
    assert set(ids) == set(HOSTILE)
    for name, file_id in ids.items():
        got = client.get(f"/api/v1/files/{file_id}/download", headers=owner.headers)
        assert got.status_code == 200
        assert got.headers["Content-Disposition"].startswith("attachment"), name
        # The owner's preview: refused for these (HTML, SVG, a "JPEG" that is not one).
        preview = client.get(f"/files/{file_id}/preview", headers={**owner.headers, **JSON})
        assert (preview.status_code, preview.get_json()["error"]["code"]) == (
            404, "no_preview"), name
    # (What may be previewed is, under a sandbox: the same route with a text file.)
    body, content_type = multipart({}, "nota.txt", b"<script>alert(1)</script>")
    body = body.replace(b"application/octet-stream", b"text/plain")
    rv = requests.post(f"{base}/r/{link['token']}/files", data=body, timeout=30,
                       headers={**JSON, "Content-Type": content_type})
    assert rv.status_code == 201, rv.text
    with app.app_context():
        note = next(f.id for f in received(app, link) if f.name == "nota.txt")
    preview = client.get(f"/files/{note}/preview", headers=owner.headers)
    assert preview.status_code == 200
    assert preview.headers["Content-Type"].startswith("text/plain")
    assert preview.headers["Content-Security-Policy"].startswith("sandbox")


# --- a form upload with no declared length is cut where it crosses the limit --------------


def chunked_form(base: str, token: str, total: int) -> tuple[int, int]:
    """A form upload of `total` bytes sent in chunks with no Content-Length, as a client
    that lies or streams would: (the answer's status, bytes sent before it came)."""
    host, port = base.removeprefix("http://").split(":")
    boundary = "----compartilhachunked"
    sock = socket.create_connection((host, int(port)), timeout=5)

    def chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    try:
        sock.sendall(
            f"POST /r/{token}/files HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Accept: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
            + chunk(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                    f'filename="grande.bin"\r\n\r\n'.encode()))
        sent, piece = 0, b"x" * 65536
        answered = selectors.DefaultSelector()
        answered.register(sock, selectors.EVENT_READ)
        while sent < total:
            if answered.select(0):
                break  # answered already
            try:
                sock.sendall(chunk(piece))
            except OSError:  # the server stopped reading (reset, or buffers full)
                break
            sent += len(piece)
        answer = b""
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            while b"\r\n" not in answer and (more := sock.recv(4096)):
                answer += more
        return int(answer.split()[1]), sent
    finally:
        sock.close()


def test_a_form_of_unknown_length_is_cut_at_the_limit(app, client, owner, gunicorn_app):
    link = make(client, owner, max_file_bytes=100_000, max_total_bytes=150_000)
    base = gunicorn_app(MAX_UPLOAD_BYTES=str(64 * 1024 * 1024))
    total = 48 * 1024 * 1024
    status, sent = chunked_form(base, link["token"], total)
    assert status == 413 and sent < total // 2, (status, sent)
    # A file the per-file limit lets through, then one the total cannot take.
    assert form_upload(base, link["token"], b"a" * 90_000).status_code == 201
    status, sent = chunked_form(base, link["token"], total)
    assert status == 413 and sent < total // 2, (status, sent)
    assert counters(client, owner, link) == (1, 90_000)
    assert len(stored_files(app)) == 1 and unfinished_uploads(app) == []
