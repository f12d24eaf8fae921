"""Raw HTTP/1.1 for wire-level tests: requests written byte for byte, several sent back to
back on one connection (pipelining), and every answer read back in order, so a test sees
exactly what a server answered to what."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def raw(method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    """One request, Content-Length set from the body for methods that carry one."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:  # short enough for an assertion message
        return f"Answer({self.status}, {self.body[:120]!r})"


def connect(base: str, context: ssl.SSLContext | None = None,
            timeout: float = 10) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    if parts.scheme == "https":
        assert context is not None
        sock = context.wrap_socket(sock, server_hostname=parts.hostname)
    return sock


class Reader:
    """Answers read one after the other from a connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.closed = False

    def _more(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, ConnectionError, ssl.SSLError):
            data = b""
        if not data:
            self.closed = True
        self.buf += data
        return bool(data)

    def _until(self, marker: bytes) -> int:
        while (at := self.buf.find(marker)) < 0:
            if not self._more():
                return -1
        return at

    def _take(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._more():
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def answer(self, head_request: bool = False) -> Answer | None:
        """The next answer, or None when the server closed (or stayed silent) first."""
        end = self._until(b"\r\n\r\n")
        if end < 0:
            return None
        head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        status_line, *lines = head.split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        answer = Answer(int(status_line.split()[1]), headers)
        if head_request or answer.status in (204, 304) or answer.status < 200:
            return answer
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return answer if self._chunked(answer) else None
        body = self._take(int(headers.get("content-length", "0")))
        if body is None:
            return None
        answer.body = body
        return answer

    def _chunked(self, answer: Answer) -> bool:
        while True:
            end = self._until(b"\r\n")
            if end < 0:
                return False
            size, self.buf = int(self.buf[:end].split(b";")[0], 16), self.buf[end + 2:]
            data = self._take(size + 2)
            if data is None:
                return False
            if size == 0:
                return True
            answer.body += data[:-2]


def exchange(base: str, payload: bytes, count: int, *, context: ssl.SSLContext | None = None,
             timeout: float = 10, head: bool = False,
             linger: float = 0.0) -> tuple[list[Answer], bool]:
    """Send `payload` (requests back to back) on one connection and read up to `count`
    answers (`head`: answers to HEAD requests, without bodies), then wait `linger`
    seconds for anything more (a smuggled request's answer). Returns the answers, plus
    anything more the server sent as an answer of status 0, and whether it closed."""
    with connect(base, context, timeout) as sock:
        sock.sendall(payload)
        reader = Reader(sock)
        answers = []
        while len(answers) < count and (answer := reader.answer(head)) is not None:
            answers.append(answer)
        if linger and len(answers) == count and not reader.buf:
            sock.settimeout(linger)
            reader._more()
        extra = reader.buf
    if extra:
        answers.append(Answer(0, {}, extra))
    return answers, reader.closed
