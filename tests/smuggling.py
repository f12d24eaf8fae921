"""Request smuggling checks, shared by the gunicorn and the nginx tests.

An upload refused before (or while) its body is read is followed, on the same connection,
by another user's request. Each attack body hides complete requests of the attacker's
(delete the attacker's canary file, ask who I am): read as requests they would show up
as extra answers, a missing canary, or the victim getting someone else's answer. What
must happen instead: the refusal, then the victim's own answer — on the same connection
when the server drained the body, or on a new one when it closed the connection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.wire import Answer, exchange, raw

SMALL, LARGE = 2_000, 300_000  # under and over what gunicorn drains after an early answer
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}
CASES = {
    "tus wrong offset": 409,
    "tus creation longer than Upload-Length": 413,
    "tus unknown upload": 404,
    "tus expired upload": 410,
    "tus checksum mismatch": 460,
    "multipart without boundary": 422,
    "multipart refused type": 422,  # the server runs with UPLOADED_FILES_DENY=exe
    "multipart over the limit": 413,
    "multipart anonymous": 401,
}


@dataclass
class Site:
    base: str  # gunicorn itself, or nginx in front of it
    database: Path  # the app's SQLite file
    max_upload: int
    context: ssl.SSLContext | None = None
    attacker: str = ""
    victim: str = ""
    victim_email: str = ""
    canary: int = 0

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def call(self, method: str, path: str, token: str | None = None,
             headers: dict[str, str] | None = None, body: bytes = b"") -> Answer:
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        answers, _ = exchange(self.base, raw(method, path, headers, body, self.host), 1,
                              context=self.context, head=method == "HEAD")
        assert answers, f"no answer to {method} {path}"
        return answers[0]


def account(site: Site, name: str) -> tuple[str, str]:
    email = f"{name}-{secrets.token_hex(4)}@example.com"
    creds = {"email": email, "password": "a long password"}
    json_type = {"Content-Type": "application/json"}
    rv = site.call("POST", "/api/v1/auth/register", headers=json_type,
                   body=json.dumps({"name": name, **creds}).encode())
    assert rv.status == 201, rv.body
    rv = site.call("POST", "/api/v1/auth/login", headers=json_type,
                   body=json.dumps(creds).encode())
    assert rv.status == 200, rv.body
    return json.loads(rv.body)["access_token"], email


def prepare(site: Site) -> Site:
    """Two accounts, and a canary file of the attacker's that a smuggled request deletes."""
    site.attacker, _ = account(site, "mallory")
    site.victim, site.victim_email = account(site, "victim")
    body, content_type = multipart("canary.txt", b"still here")
    rv = site.call("POST", "/api/v1/files", site.attacker, {"Content-Type": content_type}, body)
    assert rv.status == 201, rv.body
    site.canary = json.loads(rv.body)["file"]["id"]
    return site


def multipart(filename: str, data: bytes, boundary: str = "b0undary") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def hidden_requests(site: Site, size: int) -> bytes:
    """`size` bytes that start with complete requests of the attacker's."""
    auth = {"Authorization": f"Bearer {site.attacker}"}
    hidden = (raw("DELETE", f"/api/v1/files/{site.canary}", auth, host=site.host)
              + raw("GET", "/api/v1/me", auth, host=site.host))
    return (hidden + b"x" * size)[:size]


def _new_upload(site: Site, length: int) -> str:
    rv = site.call("POST", "/api/v1/uploads", site.attacker,
                   {**TUS, "Upload-Length": str(length)})
    assert rv.status == 201, rv.body
    return urlsplit(rv.headers["location"]).path


def _expire(site: Site, path: str) -> None:
    with sqlite3.connect(site.database) as conn:
        conn.execute("UPDATE envios SET expira_em = '2000-01-01 00:00:00.000000' "
                     "WHERE token = ?", (path.rsplit("/", 1)[1],))


def _tus_patch(site: Site, path: str, offset: int, body: bytes,
               extra: dict[str, str] | None = None) -> bytes:
    headers = {"Authorization": f"Bearer {site.attacker}", **TUS, **OCTETS,
               "Upload-Offset": str(offset), **(extra or {})}
    return raw("PATCH", path, headers, body, site.host)


def _tus_attack(site: Site, case: str, body: bytes) -> bytes:
    if case == "tus wrong offset":
        return _tus_patch(site, _new_upload(site, len(body) + 10), 5, body)
    if case == "tus unknown upload":
        return _tus_patch(site, f"/api/v1/uploads/{secrets.token_urlsafe(24)}", 0, body)
    if case == "tus expired upload":
        path = _new_upload(site, len(body))
        _expire(site, path)
        return _tus_patch(site, path, 0, body)
    if case == "tus checksum mismatch":
        wrong = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
        return _tus_patch(site, _new_upload(site, len(body)), 0, body,
                          {"Upload-Checksum": f"sha256 {wrong}"})
    # creation-with-upload whose body is longer than the Upload-Length it declares
    headers = {"Authorization": f"Bearer {site.attacker}", **TUS, **OCTETS,
               "Upload-Length": "10"}
    return raw("POST", "/api/v1/uploads", headers, body, site.host)


def attack(site: Site, case: str, size: int) -> bytes:
    """The refused request of `case` with a body of about `size` bytes."""
    if case.startswith("tus"):
        return _tus_attack(site, case, hidden_requests(site, size))
    auth = {"Authorization": f"Bearer {site.attacker}"}
    if case == "multipart over the limit":
        size = site.max_upload + 1
    body, content_type = multipart("evil.exe" if case == "multipart refused type" else "a.bin",
                                   hidden_requests(site, size))
    if case == "multipart without boundary":
        content_type = "multipart/form-data"
    if case == "multipart anonymous":
        auth = {}
    return raw("POST", "/api/v1/files", {**auth, "Content-Type": content_type}, body,
               site.host)


def check(site: Site, case: str, size: int) -> None:
    victim_gets_its_own_answer(site, case, size)
    hidden_requests_never_run(site, case, size)


def victim_gets_its_own_answer(site: Site, case: str, size: int) -> None:
    """The attack, then the victim's request on the same connection."""
    # Longer than the small attack bodies: a server that took the next request's first
    # bytes for the rest of a body would then parse the victim's from its middle.
    victim = raw("GET", "/api/v1/me", {"Authorization": f"Bearer {site.victim}",
                                       "X-Padding": "p" * 4000}, host=site.host)
    answers, closed = exchange(site.base, attack(site, case, size) + victim, 2,
                               context=site.context, linger=0.5)
    statuses = [a.status for a in answers]
    assert statuses and statuses[0] == CASES[case], (case, size, answers)
    if len(answers) == 1:  # the server closed instead of draining: the victim asks again
        assert closed, (case, size)
        answers.append(site.call("GET", "/api/v1/me", site.victim))
    assert len(answers) == 2, (case, size, answers)
    assert answers[1].status == 200, (case, size, answers)
    assert json.loads(answers[1].body)["user"]["email"] == site.victim_email
    canary_alive(site, case, size)


def hidden_requests_never_run(site: Site, case: str, size: int) -> None:
    """The attack, then as many filler bytes as its body, then requests: a server that
    forgot the attack's body and took the filler for it would run those requests."""
    request = attack(site, case, size)
    filler = b"p" * (len(request) - request.index(b"\r\n\r\n") - 4)
    answers, _ = exchange(site.base, request + filler + hidden_requests(site, 2000), 3,
                          context=site.context)
    statuses = [a.status for a in answers]
    assert statuses and statuses[0] == CASES[case], (case, size, answers)
    # The filler is not a request: the server's 400 (or 414: a long line), or nothing
    # when it closed first; never the answers of the hidden requests.
    assert len(statuses) <= 2 and all(s in (400, 414) for s in statuses[1:]), \
        (case, size, answers)
    canary_alive(site, case, size)


def canary_alive(site: Site, case: str, size: int) -> None:
    canary = site.call("GET", f"/api/v1/files/{site.canary}", site.attacker)
    assert canary.status == 200, (case, size, "a smuggled request deleted the canary")
