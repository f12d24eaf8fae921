"""HTTP requests the server makes to addresses its users give (webhooks).

A URL is refused unless every address its host resolves to is public (or
WEBHOOK_ALLOW_PRIVATE allows private ones), and the request then goes to one of the
addresses that were checked: a name that resolves differently a second time (DNS
rebinding) cannot steer it to the server's own network. Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 10.0  # seconds to connect and for each read
MAX_URL = 2048


class RefusedURL(ValueError):
    """A URL that may not be called: the reason is its message."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the request goes to


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedURL("The host name does not resolve.") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(url: str, allow_private: bool = False) -> Target:
    """Where a request to `url` would go, if it may: http(s), a host, every one of its
    addresses public unless `allow_private`."""
    if len(url) > MAX_URL:
        raise RefusedURL("The URL is too long.")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedURL("The URL is not valid.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL("Give an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise RefusedURL("The URL may not hold a user name or password.")
    addresses = _resolve(parts.hostname, port)
    if not addresses:
        raise RefusedURL("The host name does not resolve.")
    ips = [ipaddress.ip_address(a.split("%")[0]) for a in addresses]
    if not allow_private and not all(_public(ip) for ip in ips):
        raise RefusedURL("The URL points to a private or local address.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT,
                         context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to the checked target; the status (OSError when it cannot connect)."""
    connection = (_PinnedHTTPS if target.scheme == "https" else _PinnedHTTP)(target)
    try:
        connection.request("POST", target.path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "Compartilha-Webhooks/1",
            **headers})
        response = connection.getresponse()
        response.read(64 * 1024)  # what a receiver says is not kept; a little is read
        return response.status
    except http.client.HTTPException as exc:  # a malformed answer: like a dropped one
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
