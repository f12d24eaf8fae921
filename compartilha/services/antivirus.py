"""Antivirus: every upload's bytes scanned by clamd (ClamAV) after they are stored and
before they are recorded (docs/admin.md#antivirus).

The bytes are read back from storage (a local file or S3) and streamed to clamd's
INSTREAM command piece by piece over a socket, so memory stays flat whatever the size.
clamd's protocol is spoken here directly: `zINSTREAM\\0`, then pieces each behind its
length (4 bytes, big-endian), a zero length to end, and one reply ending in a NUL:
`stream: OK`, `stream: <signature> FOUND`, or something ending in `ERROR`.

Verdicts (`File.scan`): None when no scanner is configured (CLAMAV_URL empty), "clean",
or "unscanned" when clamd could not scan it and CLAMAV_UNAVAILABLE is `accept`.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Callable
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app

from ..errors import MalwareDetected, ScannerUnavailable
from ..storage import get_storage
from . import events

log = logging.getLogger(__name__)
PIECE = 256 * 1024  # bytes read from storage and sent to clamd at a time
CLEAN, UNSCANNED = "clean", "unscanned"
RETRY_AFTER = "60"
_END = struct.pack(">I", 0)
_REPLY_MAX = 4096


class ScannerDown(OSError):
    """clamd gave no verdict: unreachable, too slow, or it refused the stream (over its
    StreamMaxLength, out of memory…)."""


def _connect(url: str, timeout: float) -> socket.socket:
    parsed = urlsplit(url)
    try:
        if parsed.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(parsed.path)
            except BaseException:
                sock.close()
                raise
            return sock
        return socket.create_connection((parsed.hostname, parsed.port), timeout=timeout)
    except OSError as exc:
        raise ScannerDown(f"cannot reach clamd at {url}: {exc}") from exc


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError as exc:
        # clamd closes the stream once it passes StreamMaxLength: that is no verdict either.
        raise ScannerDown(f"clamd stopped receiving: {exc}") from exc


def _reply(sock: socket.socket) -> str:
    data = b""
    try:
        while not data.endswith(b"\0") and len(data) < _REPLY_MAX:
            received = sock.recv(_REPLY_MAX)
            if not received:
                break
            data += received
    except OSError as exc:
        raise ScannerDown(f"no verdict from clamd: {exc}") from exc
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def verdict(reply: str) -> str | None:
    """The signature a clamd reply names, None for a clean one; ScannerDown otherwise."""
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply[len("stream: "):-len(" FOUND")].strip() or "unknown"
    raise ScannerDown(f"clamd could not scan: {reply or 'no reply'}")


def scan_stream(stream: BinaryIO, url: str, timeout: float) -> str | None:
    """The signature clamd finds in the stream's bytes, or None. ScannerDown when clamd
    gives no verdict; an error reading the stream itself propagates as it is."""
    with _connect(url, timeout) as sock:
        _send(sock, b"zINSTREAM\0")
        while piece := stream.read(PIECE):
            _send(sock, struct.pack(">I", len(piece)))
            _send(sock, piece)
        _send(sock, _END)
        return verdict(_reply(sock))


def scan_key(key: str) -> str | None:
    """The signature found in stored bytes, or None (ScannerDown: no verdict)."""
    config = current_app.config
    with get_storage().open(key) as stream:
        return scan_stream(stream, config["CLAMAV_URL"], config["CLAMAV_TIMEOUT"])


def check(key: str, user_id: int, *, name: str, way: str, drop: Callable[[], None],
          request_id: int | None = None, drop_when_down: bool = True) -> str | None:
    """Scan stored bytes before they are recorded; the `File.scan` to record with them.

    Malware: `drop()` removes every trace of the upload, its owner is told (in-app, and
    the `malware.detected` security event), then MalwareDetected (422) names the
    signature. No verdict: with CLAMAV_UNAVAILABLE=refuse the upload is dropped likewise
    and ScannerUnavailable (503, Retry-After) — unless `drop_when_down` is False (a sweep
    with no client to answer keeps it for its next run); with `accept` it is kept as
    "unscanned"."""
    if not current_app.config["CLAMAV_URL"]:
        return None
    try:
        signature = scan_key(key)
    except ScannerDown as exc:
        log.warning("antivirus: %s (upload %s)", exc, way)
        if current_app.config["CLAMAV_UNAVAILABLE"] == "accept":
            return UNSCANNED
        if drop_when_down:
            drop()
        raise ScannerUnavailable(headers={"Retry-After": RETRY_AFTER}) from exc
    if signature is None:
        return CLEAN
    drop()
    events.malware_detected(user_id, name=name, signature=signature, way=way,
                            request_id=request_id)
    raise MalwareDetected.named(signature)


def ping(url: str, timeout: float = 3) -> bool:
    """Whether clamd answers PING (for the tests and an operator's check)."""
    try:
        with _connect(url, timeout) as sock:
            _send(sock, b"zPING\0")
            return _reply(sock) == "PONG"
    except ScannerDown:
        return False
