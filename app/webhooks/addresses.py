"""Where a webhook may be sent: http(s) only, and never to the platform's own network.

A bank user types the URL, so an unchecked one would let them make the platform call internal
services (SSRF). The host is resolved, every address it resolves to is checked, and the request
goes to the address that was checked (pinned), so a DNS answer that changes between the check
and the send (rebinding) cannot redirect it. WEBHOOK_ALLOW_PRIVATE lets every address through
(a test or an on-premises bank); WEBHOOK_ALLOWED_NETWORKS lets named networks through.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.errors import ValidationFailed


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the request is sent to


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(message, field="url")


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = current_app.config.get("WEBHOOK_ALLOWED_NETWORKS", "")
    return [
        ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
    ]


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE") or _public(ip):
        return
    if any(ip in network for network in _allowed_networks()):
        return
    raise _refuse(
        _l("This address is on a private or internal network and cannot receive webhooks.")
    )


def resolve(url: str) -> Target:
    """The URL's parts and one checked address of its host; ValidationFailed if refused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _refuse(_l("Enter a valid http or https URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(_l("Enter a valid http or https URL."))
    if parts.username or parts.password:
        raise _refuse(_l("The URL may not carry a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _refuse(_l("This host name cannot be resolved.")) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise _refuse(_l("This host name cannot be resolved."))
    for address in addresses:
        check_address(address)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to the checked address; the certificate is still checked against the host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the pinned address; the response's status code (redirects are not followed)."""
    cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = cls(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()
