"""Bodies on the wire under gunicorn itself (gunicorn.conf.py): a refused upload never
lets its body run into the next request, a form body split over TCP segments is read
whole, and an upload whose client goes silent frees its thread."""

from __future__ import annotations

import json
import secrets
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.servers import migrated_sqlite, start_gunicorn, stop
from tests.smuggling import (
    CASES,
    LARGE,
    OCTETS,
    SMALL,
    TUS,
    Site,
    attack,
    canary_alive,
    check,
    hidden_requests,
    prepare,
)
from tests.wire import Reader, connect, exchange, raw

pytestmark = pytest.mark.both_storages  # local folder and S3

MIB = 1024 * 1024
IDLE_SECONDS = 2


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("pipelining")
    server = start_gunicorn({
        **migrated_sqlite(work), "SCRYPT_N": "16", "MAX_UPLOAD_BYTES": str(MIB),
        "UPLOADED_FILES_DENY": "exe", "UPLOAD_IDLE_SECONDS": str(IDLE_SECONDS),
        "RATELIMIT_UPLOAD": "10000 per hour", "GUNICORN_THREADS": "4"}, work)
    try:
        yield prepare(Site(server.url, work / "app.db", MIB))
    finally:
        stop(server.process)


@pytest.mark.parametrize("case", CASES)
def test_a_refused_upload_never_runs_into_the_next_request(site, case):
    for size in (SMALL, LARGE):
        check(site, case, size)


def test_a_form_body_split_over_two_segments_logs_in(site):
    """A urlencoded body whose second half arrives later is read whole (the form was
    parsed from the first segment alone, and the login failed)."""
    email = f"split-{secrets.token_hex(4)}@example.com"
    creds = json.dumps({"name": "S", "email": email, "password": "a long password"})
    assert site.call("POST", "/api/v1/auth/register", body=creds.encode(),
                     headers={"Content-Type": "application/json"}).status == 201
    body = f"email={email}&password=a+long+password".encode()
    request = raw("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                     "Origin": site.base}, body, site.host)
    with connect(site.base) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request[:-12])
        time.sleep(0.5)
        sock.sendall(request[-12:])
        answer = Reader(sock).answer()
    assert answer is not None and answer.status == 302, answer
    assert "set-cookie" in answer.headers


def test_a_silent_upload_ends_after_the_idle_timeout(site):
    """A tus PATCH whose client stops sending is answered after UPLOAD_IDLE_SECONDS with
    the offset it stored, and its connection is closed; meanwhile others are served."""
    length = MIB
    rv = site.call("POST", "/api/v1/uploads", site.victim, {**TUS, "Upload-Length": str(length)})
    path = urlsplit(rv.headers["location"]).path
    request = raw("PATCH", path, {"Authorization": f"Bearer {site.victim}", **TUS, **OCTETS,
                                  "Upload-Offset": "0"}, b"a" * length, site.host)
    started = time.monotonic()
    with connect(site.base, timeout=IDLE_SECONDS + 20) as sock:
        sock.sendall(request[:-300_000])  # most of the body, then silence
        time.sleep(0.3)
        assert site.call("GET", "/healthz").status == 200
        reader = Reader(sock)
        answer = reader.answer()
        elapsed = time.monotonic() - started
        assert answer is not None and answer.status == 204, answer
        assert IDLE_SECONDS - 0.5 <= elapsed < IDLE_SECONDS + 10
        assert reader.answer() is None and reader.closed  # its framing is lost: not reused
    stored = int(answer.headers["upload-offset"])
    assert 0 <= stored <= length - 300_000
    assert site.call("HEAD", path, site.victim, TUS).headers["upload-offset"] == str(stored)


def chunked_patch(site: Site, path: str, body: bytes) -> bytes:
    """A tus PATCH with Transfer-Encoding: chunked (no Content-Length): one chunk."""
    lines = [f"PATCH {path} HTTP/1.1", f"Host: {site.host}",
             f"Authorization: Bearer {site.attacker}", "Tus-Resumable: 1.0.0",
             "Content-Type: application/offset+octet-stream", "Upload-Offset: 0",
             "Transfer-Encoding: chunked"]
    return ("\r\n".join(lines) + f"\r\n\r\n{len(body):x}\r\n").encode() + body + b"\r\n0\r\n\r\n"


def test_a_chunked_patch_is_read_to_its_end_and_never_past_it(site):
    """Accepted within Upload-Length; past it 413, and what it hid never runs."""
    victim = raw("GET", "/api/v1/me", {"Authorization": f"Bearer {site.victim}"},
                 host=site.host)
    for length, status in ((2000, 204), (100, 413)):
        rv = site.call("POST", "/api/v1/uploads", site.attacker,
                       {**TUS, "Upload-Length": str(length)})
        path = urlsplit(rv.headers["location"]).path
        answers, closed = exchange(site.base, chunked_patch(site, path, hidden_requests(
            site, 2000)) + victim, 2, linger=0.5)
        assert answers and answers[0].status == status, answers
        if len(answers) == 1:  # closed instead of drained: the victim asks again
            assert closed
            answers.append(site.call("GET", "/api/v1/me", site.victim))
        assert len(answers) == 2 and answers[1].status == 200, answers
        assert json.loads(answers[1].body)["user"]["email"] == site.victim_email
        canary_alive(site, "chunked tus PATCH", 2000)
        offset = site.call("HEAD", path, site.attacker, TUS).headers["upload-offset"]
        assert offset == ("2000" if status == 204 else "0")


@pytest.mark.parametrize("case", ["multipart anonymous", "multipart refused type",
                                  "tus wrong offset", "tus unknown upload"])
def test_a_short_refused_body_is_read_so_the_connection_answers_the_next_request(site, case):
    """300 kB refused early: the app reads the rest before answering (gunicorn alone would
    drain 64 KiB and close on the rest, a reset that nginx in front turns into a 502 when
    it had not read the answer yet), so the connection stays open and answers the next."""
    victim = raw("GET", "/api/v1/me", {"Authorization": f"Bearer {site.victim}"},
                 host=site.host)
    answers, closed = exchange(site.base, attack(site, case, LARGE) + victim, 2, linger=0.3)
    assert [a.status for a in answers] == [CASES[case], 200], (case, answers)
    assert json.loads(answers[1].body)["user"]["email"] == site.victim_email
