"""The client's network address: the TCP peer, or behind a trusted reverse proxy the address
that proxy forwarded.

Forwarding headers are believed only when the TCP peer is one of TRUSTED_PROXIES (none by
default: anyone can write them). Of the addresses in the header named by FORWARDED_HEADER the
right-most one that is not a trusted proxy is the client: every proxy appends the address it
saw, so what lies left of that was written by the client and proves nothing. Only that one
header is read: a proxy that sets `X-Forwarded-For` passes a client's own `Forwarded` or
`X-Real-IP` on untouched.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def networks(text: str) -> tuple[Network, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or networks (`127.0.0.1, 10.0.0.0/8, ::1`)."""
    found = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                found.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {part!r} is not an address or "
                                 "network") from None
    return tuple(found)


def parse(value: str) -> Address | None:
    """An address as a proxy writes it (bare, `[v6]:port`, `v4:port`, quoted); None if it is
    none (`unknown`, an obfuscated name, garbage). IPv4 mapped into IPv6 counts as IPv4."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class Proxies:
    """Which peers are trusted proxies, and which header they write the client's address in."""

    def __init__(self, trusted: Iterable[Network], header: str = "X-Forwarded-For") -> None:
        self.trusted = tuple(trusted)
        self.header = header

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.trusted)

    def hops(self, request: web.Request) -> list[str]:
        """The addresses the header lists, the client's side first (every line of it)."""
        if self.header == "Forwarded":  # RFC 7239, parsed by aiohttp
            return [str(element.get("for", "")) for element in request.forwarded]
        lines = request.headers.getall(self.header, [])
        if self.header == "X-Real-IP":
            return lines[-1:]  # one address, set (not appended) by the proxy
        return [hop for line in lines for hop in line.split(",")]

    def client(self, request: web.Request) -> str:
        """The client's address as text ('?' when unknown)."""
        peer = request.remote or "?"
        nearest = parse(peer)
        if nearest is None or not self.trusted or not self.trusts(nearest):
            return peer
        for hop in reversed(self.hops(request)):
            address = parse(hop)
            if address is None:  # a hop a trusted proxy did not write: stop at that proxy
                break
            if not self.trusts(address):
                return str(address)
            nearest = address
        return str(nearest)

    def middleware(self) -> Middleware:
        """An aiohttp middleware: handlers (Socket.IO's too) see the client as `request.remote`."""

        @web.middleware
        async def real_client(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.trusted:
                client = self.client(request)
                if client != request.remote:
                    request = request.clone(remote=client)
            return await handler(request)

        return real_client
