"""Request bodies, read only through the server's public interface; JSON parsed safely.

A body is read only through `environ["wsgi.input"]`, and never past its Content-Length.
The server keeps the framing of the connection: whatever the application leaves unread
(an upload refused before its bytes arrived) is the server's to drain or to close on —
gunicorn 27 drains up to 64 KiB for at most 5 s and otherwise closes the connection — so
a body can never run into the next request on a keep-alive connection. The app does not
drain a large refused body itself: that could mean reading gigabytes for a 409, and
closing is the server's call (gunicorn drops a `Connection: close` set by the app, a
hop-by-hop header, and offers no other public way to ask for it). A short one (up to
`DRAIN_REFUSED_BYTES`) it does read before answering under gunicorn: closing on unread
bytes makes the kernel reset the connection, and a proxy in front (nginx) that had not
yet read the answer then tells its client 502 instead of the 401 or 413 the app gave.

How the bytes then move at line speed (large reads, pooled buffers, hashing on a second
thread): `compartilha.hashing`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 32


class SafeJSONProvider(DefaultJSONProvider):
    """Refuses deeply nested JSON with a 400 instead of a RecursionError (a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        # Only bodies with many brackets can be deep: scan just those.
        if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return super().loads(s, **kwargs)


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _parse_json_once() -> None:
    """Parse JSON bodies through SafeJSONProvider before any view or library sees them,
    so the depth limit holds whoever reads the body later (webargs parses on its own)."""
    if request.is_json and request.content_length:
        request.get_json()  # malformed or too deep: 400


DRAIN_REFUSED_BYTES = 1024 * 1024
DRAIN_IDLE_SECONDS = 2.0


def init_app(app: Flask) -> None:
    app.json = SafeJSONProvider(app)
    app.before_request(_parse_json_once)
    app.after_request(_drain_refused)


def _drain_refused(response: Any) -> Any:
    """Read what is left of a short body the app refused, before answering (module doc).
    Only under gunicorn, whose `wsgi.input` ends at the body's end; a client silent for
    DRAIN_IDLE_SECONDS ends it (the server then closes, as it would have)."""
    length = request.content_length
    environ = request.environ
    if (response.status_code < 400 or not length or length > DRAIN_REFUSED_BYTES
            or "gunicorn.socket" not in environ):
        return response
    limit_idle_reads(environ, DRAIN_IDLE_SECONDS)
    body = environ["wsgi.input"]
    left = length
    # Best effort: a body that breaks off is the server's to close on, as before.
    with contextlib.suppress(Exception):
        while left > 0 and (chunk := body.read(min(64 * 1024, left))):
            left -= len(chunk)
    return response


def limit_idle_reads(environ: dict[str, Any], seconds: float) -> None:
    """Make a read of this request's body that waits `seconds` for a byte fail.

    A WSGI read blocks its thread until the client sends; an upload whose client stops
    sending would hold a thread for good. The one public handle a server offers on that
    wait is the connection's socket timeout: gunicorn puts the socket in the environ as
    `gunicorn.socket`. Only its timeout is set here (the bytes still go through
    `wsgi.input`): gunicorn's own reader then raises, marks the body failed and closes
    the connection, and the next request on a kept-alive connection starts with the
    socket blocking again. Other servers: their own timeouts apply."""
    settimeout = getattr(environ.get("gunicorn.socket"), "settimeout", None)
    if seconds > 0 and callable(settimeout):
        settimeout(seconds)


class BodyReader:
    """Reads up to `length` bytes of the request body from `environ["wsgi.input"]`: a plain
    binary stream whose `read` and `readinto` return fewer bytes than asked only at its end.

    A client that goes away, or stays silent past `limit_idle_reads`, just ends the body:
    `complete` tells whether every declared byte arrived.

    `chunked()`: a body sent with Transfer-Encoding: chunked, which the server has already
    de-chunked (it says so with `wsgi.input_terminated`): it ends where its framing ends,
    never past `length`, and `complete` tells whether it ended so rather than broke off.
    """

    def __init__(self, environ: dict[str, Any], length: int) -> None:
        self.length = length
        self.received = 0
        self.failed = False
        self.until_end = False
        self.broken = False
        self._stream: Any = environ["wsgi.input"]
        self._readinto = getattr(self._stream, "readinto", None)
        # gunicorn's body has no readinto: ours would copy what `read` returns, so readers
        # that can choose (`hashing.hashed_chunks`) take `read`'s bytes as they are.
        self.readinto_copies = self._readinto is None

    @classmethod
    def chunked(cls, environ: dict[str, Any], limit: int) -> BodyReader | None:
        """The de-chunked body, or None when the server gives none (then send 411)."""
        coding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if coding != "chunked" or not environ.get("wsgi.input_terminated"):
            return None
        body = cls(environ, limit)
        body.until_end = True
        return body

    @property
    def complete(self) -> bool:
        if self.until_end:
            return self.failed and not self.broken  # ended at its end, nothing went wrong
        return self.received == self.length

    def _count(self, n: int) -> None:
        if n == 0:
            self.failed = True
        self.received += n

    def readinto(self, buf: bytearray) -> int:
        """Fill `buf` (fewer bytes only at the end of the body or when the client left)."""
        filled = 0
        with memoryview(buf) as view:
            while not self.failed:
                want = min(len(buf) - filled, self.length - self.received)
                if want <= 0:
                    break
                try:
                    n = self._read_some(view[filled:filled + want])
                except (OSError, ValueError):  # reset, timeout, or a closed stream
                    n, self.broken = 0, True
                self._count(n)
                filled += n
        return filled

    def _read_some(self, view: memoryview) -> int:
        # gunicorn's body has no readinto: one read of at most len(view) bytes, copied in.
        if self._readinto is not None:
            return self._readinto(view) or 0
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        """A file-like read: `size` bytes, fewer only at the end of the body."""
        left = self.length - self.received
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0 or self.failed:
            return b""
        try:
            data = self._stream.read(size)
        except (OSError, ValueError):  # reset, timeout, or a closed stream
            data, self.broken = b"", True
        self._count(len(data))
        return data
