"""Sending one webhook request without server-side request forgery.

The host is resolved once (`getaddrinfo`, patchable here for tests); every address it
resolves to must be public (not private, loopback, link-local, multicast, reserved or
unspecified) unless WEBHOOKS_ALLOW_PRIVATE is set, and the connection goes to the checked
address itself, never through a second lookup a DNS server could answer differently. The
request keeps the URL's host in its Host header and, for https, in SNI and the certificate
check. Redirects are not followed."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

getaddrinfo = socket.getaddrinfo
TIMEOUT_SECONDS = 10.0
RESPONSE_KEEP = 500


class AddressRefused(Exception):
    """The URL's host is (or resolves to) an address webhooks may not reach."""


class TransportError(Exception):
    """The request did not get an answer (timeout, connection refused or reset, TLS)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    duration_ms: int


def is_forbidden(address: str) -> bool:
    """True for addresses outside the public internet (IPv4-mapped IPv6 judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve_checked(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for `host`; AddressRefused when any address it resolves
    to is not public (and private ones are not allowed), TransportError if it does not
    resolve."""
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransportError(f"The host {host} does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise TransportError(f"The host {host} does not resolve.")
    if not allow_private:
        for address in addresses:
            if is_forbidden(address):
                raise AddressRefused(
                    f"The host {host} resolves to {address}, a private or reserved address "
                    "webhooks may not be sent to."
                )
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> Answer:
    """POST `body` to `url` through a checked address: the answer's status and first bytes.
    AddressRefused / TransportError as above."""
    scheme, host, port, path = split_url(url)
    address = resolve_checked(host, port, allow_private=allow_private)
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = kind(host, port, address, TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read(RESPONSE_KEEP)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}"[:400]) from exc
    finally:
        conn.close()
    return Answer(status, data, int((time.monotonic() - started) * 1000))
