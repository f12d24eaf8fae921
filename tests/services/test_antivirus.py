"""services.antivirus against a real clamd (tests/servers.start_clamd): the INSTREAM
protocol over TCP and a unix socket, verdicts, and what a refusal does."""

from __future__ import annotations

import io
import logging
import socket
import time
import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import select

from compartilha.errors import MalwareDetected, ScannerUnavailable
from compartilha.extensions import db
from compartilha.models import File
from compartilha.models.columns import utcnow
from compartilha.services import antivirus, notifications, tus, upload_endings
from compartilha.storage import get_storage
from tests.servers import (
    CUSTOM_FOUND,
    CUSTOM_MARKER,
    EICAR,
    EICAR_FOUND,
    free_ports,
    start_clamd,
    stop,
)

MIB = 1024 * 1024


@pytest.fixture(params=["tcp", "unix"])
def clamd_url(request, clamd) -> str:
    return clamd.tcp_url if request.param == "tcp" else clamd.unix_url


def scan(data: bytes, url: str, timeout: float = 10) -> str | None:
    return antivirus.scan_stream(io.BytesIO(data), url, timeout)


def test_clamd_finds_eicar_and_our_own_signature_and_passes_clean_bytes(clamd_url):
    assert antivirus.ping(clamd_url)
    assert scan(EICAR, clamd_url) == EICAR_FOUND
    # A body signature anywhere, here across two of the pieces sent.
    buried = b"a" * (antivirus.PIECE - 10) + CUSTOM_MARKER + b"z" * 1000
    assert scan(buried, clamd_url) == CUSTOM_FOUND
    assert scan(b"just a harmless text file\n" * 1000, clamd_url) is None
    assert scan(b"", clamd_url) is None


@pytest.mark.parametrize(("reply", "signature"), [
    ("stream: OK", None), ("stream: Eicar-Test-Signature FOUND", "Eicar-Test-Signature")])
def test_verdicts(reply, signature):
    assert antivirus.verdict(reply) == signature


@pytest.mark.parametrize("reply", ["INSTREAM size limit exceeded. ERROR",
                                   "stream: Can't allocate memory ERROR", ""])
def test_a_reply_without_a_verdict_is_no_verdict(reply):
    with pytest.raises(antivirus.ScannerDown):
        antivirus.verdict(reply)


def test_no_clamd_listening_is_no_verdict(tmp_path):
    port = free_ports(1)[0]
    for url in (f"tcp://127.0.0.1:{port}", f"unix://{tmp_path / 'gone.ctl'}"):
        with pytest.raises(antivirus.ScannerDown):
            scan(b"x", url)
        assert not antivirus.ping(url)


def test_a_silent_clamd_is_no_verdict_after_the_timeout():
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with pytest.raises(antivirus.ScannerDown):
            scan(b"x" * 100, f"tcp://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        assert time.monotonic() - started < 5


def test_a_file_over_clamds_stream_limit_is_no_verdict(tmp_path):
    small = start_clamd(tmp_path, stream_max="64K")
    try:
        with pytest.raises(antivirus.ScannerDown):
            scan(b"x" * (2 * MIB), small.unix_url)
        assert scan(b"x" * 1000, small.unix_url) is None
    finally:
        stop(small.process)


def stored(data: bytes) -> str:
    writer = get_storage().writer()
    writer.write(data)
    return writer.commit()


class Dropped:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def test_without_a_scanner_nothing_is_scanned(ctx, user):
    key, drop = stored(EICAR), Dropped()
    assert antivirus.check(key, user.id, name="e.txt", way="multipart", drop=drop) is None
    assert drop.calls == 0


def test_clean_bytes_are_clean(ctx, user, clamd_url):
    ctx.config["CLAMAV_URL"] = clamd_url
    drop = Dropped()
    assert antivirus.check(stored(b"fine"), user.id, name="a.txt", way="tus",
                           drop=drop) == "clean"
    assert drop.calls == 0


def test_malware_is_dropped_logged_and_told_to_the_owner(ctx, user, clamd, caplog):
    ctx.config["CLAMAV_URL"] = clamd.tcp_url
    drop = Dropped()
    with caplog.at_level(logging.INFO, "compartilha.events"), \
            pytest.raises(MalwareDetected) as found:
        antivirus.check(stored(EICAR), user.id, name="eicar.com", way="multipart", drop=drop)
    assert found.value.status == 422 and found.value.code == "malware_detected"
    assert EICAR_FOUND in found.value.message
    assert drop.calls == 1
    logged = [r for r in caplog.records if r.getMessage() == "malware.detected"]
    assert logged and logged[0].fields == {  # type: ignore[attr-defined]
        "user_id": user.id, "signature": EICAR_FOUND, "way": "multipart",
        "request_id": None}
    [told] = notifications.list_for(user.id)
    assert told.kind == "file.malware"
    assert told.data["name"] == "eicar.com"
    assert told.data["signature"] == EICAR_FOUND


def test_no_verdict_refuses_by_default(ctx, user, tmp_path):
    ctx.config["CLAMAV_URL"] = f"unix://{tmp_path / 'stopped.ctl'}"
    drop = Dropped()
    with pytest.raises(ScannerUnavailable) as refused:
        antivirus.check(stored(b"fine"), user.id, name="a.txt", way="tus", drop=drop)
    assert refused.value.status == 503 and refused.value.code == "scanner_unavailable"
    assert refused.value.headers["Retry-After"] == antivirus.RETRY_AFTER
    assert drop.calls == 1
    assert notifications.list_for(user.id) == []


def test_no_verdict_keeps_the_file_unscanned_when_told_to_accept(ctx, user, tmp_path):
    ctx.config["CLAMAV_URL"] = f"unix://{tmp_path / 'stopped.ctl'}"
    ctx.config["CLAMAV_UNAVAILABLE"] = "accept"
    drop = Dropped()
    assert antivirus.check(stored(b"fine"), user.id, name="a.txt", way="tus",
                           drop=drop) == "unscanned"
    assert drop.calls == 0


def test_a_big_file_is_streamed_with_flat_memory(ctx, user, clamd):
    ctx.config["CLAMAV_URL"] = clamd.unix_url
    writer = get_storage().writer()
    block = b"0123456789abcdef" * (MIB // 16)
    for _ in range(50):
        writer.write(block)
    writer.write(CUSTOM_MARKER)  # at the very end: clamd saw every byte
    key = writer.commit()
    del block
    tracemalloc.start()
    try:
        assert antivirus.scan_key(key) == CUSTOM_FOUND
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB


def test_a_published_upload_recorded_by_cleanup_is_scanned_too(ctx, user, clamd):
    """An upload whose bytes were published when its process died is recorded by
    `flask cleanup`/fsck: malware there is dropped like at a PATCH, and the sweep goes on."""
    ctx.config["CLAMAV_URL"] = clamd.tcp_url
    storage, handles = get_storage(), []
    for data in (EICAR, b"clean"):
        upload = tus.create(user.id, len(data), "a.bin", None)
        handles.append(upload.handle)
        storage.append(upload.handle, 0, [data])
        storage.finish_upload(upload.handle)
    assert upload_endings.purge_expired(utcnow() + timedelta(days=30)) == 0
    [record] = db.session.scalars(select(File)).all()
    assert record.size == len(b"clean") and record.scan == "clean"
    assert tus.handles_of(user.id) == []
    assert list(storage.keys()) == [record.key]
    assert [n.kind for n in notifications.list_for(user.id)] == ["file.malware"]


def test_a_sweep_keeps_a_published_upload_while_the_antivirus_is_down(ctx, user, clamd):
    """Cleanup has no client to tell: with clamd unreachable (and `refuse`) the published
    upload stays whole for the next sweep, which records it once clamd answers again."""
    ctx.config["CLAMAV_URL"] = "tcp://127.0.0.1:9"  # nothing listens there
    storage = get_storage()
    upload = tus.create(user.id, 5, "a.bin", None)
    handle = upload.handle
    storage.append(handle, 0, [b"clean"])
    storage.finish_upload(handle)
    later = utcnow() + timedelta(days=30)
    assert upload_endings.purge_expired(later) == 0
    assert db.session.scalars(select(File)).all() == []
    assert tus.handles_of(user.id) == [handle] and storage.upload_published(handle)
    ctx.config["CLAMAV_URL"] = clamd.tcp_url
    assert upload_endings.purge_expired(later) == 0
    [record] = db.session.scalars(select(File)).all()
    assert record.scan == "clean" and tus.handles_of(user.id) == []
