"""The client's address behind trusted proxies (bot/addresses.py): TRUSTED_PROXIES parsing, how
an address is read from a header, and which hop of a forwarding chain is the client."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.addresses import Proxies, networks, parse


def test_trusted_proxies_are_addresses_and_networks() -> None:
    found = networks(" 127.0.0.1, 10.0.0.0/8 ,, ::1, 192.168.1.7/24 ")
    assert [str(n) for n in found] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "192.168.1.0/24"]
    assert networks("") == () and networks(" , ") == ()


@pytest.mark.parametrize("text", ["localhost", "10.0.0.0/33", "127.0.0.1, 300.1.1.1", "::g"])
def test_a_bad_trusted_proxy_is_named(text: str) -> None:
    with pytest.raises(ValueError, match=r"^TRUSTED_PROXIES: '.+' is not an address or network$"):
        networks(text)


@pytest.mark.parametrize(("written", "address"), [
    ("203.0.113.7", "203.0.113.7"),
    (" 203.0.113.7:4711 ", "203.0.113.7"),
    ('"[2001:db8::7]:4711"', "2001:db8::7"),
    ("2001:db8::7", "2001:db8::7"),
    ("::ffff:192.0.2.1", "192.0.2.1"),  # IPv4 mapped into IPv6 counts as IPv4
])
def test_an_address_is_read_as_proxies_write_it(written: str, address: str) -> None:
    assert parse(written) == ipaddress.ip_address(address)


@pytest.mark.parametrize("written", ["unknown", "_hidden", "", "garbage", "1.2.3", "[nope]:80"])
def test_what_is_no_address_is_none(written: str) -> None:
    assert parse(written) is None


PROXIES = networks("127.0.0.1, 10.0.0.0/8, ::1")
XFF, FWD = "X-Forwarded-For", "Forwarded"
CASES = [
    # (peer, headers, header setting, client)
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}, XFF, "203.0.113.7"),
    ("127.0.0.1", {"X-Forwarded-For": "1.1.1.1, 203.0.113.7, 10.0.0.5"}, XFF, "203.0.113.7"),
    ("127.0.0.1", {"X-Forwarded-For": "10.0.0.9, 10.0.0.5"}, XFF, "10.0.0.9"),
    ("127.0.0.1", {"X-Forwarded-For": "garbage, 10.0.0.5"}, XFF, "10.0.0.5"),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7:4711"}, XFF, "203.0.113.7"),
    ("127.0.0.1", {}, XFF, "127.0.0.1"),
    ("192.0.2.50", {"X-Forwarded-For": "203.0.113.7"}, XFF, "192.0.2.50"),
    ("127.0.0.1", {"Forwarded": 'for=1.1.1.1, for="[2001:db8::7]:4711"'}, FWD, "2001:db8::7"),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=1.1.1.1"}, FWD, "1.1.1.1"),
    ("::1", {"X-Real-IP": "203.0.113.8"}, "X-Real-IP", "203.0.113.8"),
    ("127.0.0.1", {"X-Real-IP": "203.0.113.8"}, XFF, "127.0.0.1"),
]


def _request(peer: str, headers: dict[str, str]) -> Any:
    class Transport:
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return (peer, 4711) if name == "peername" else default

    return make_mocked_request("GET", "/", headers=headers, transport=Transport())


@pytest.mark.parametrize(("peer", "headers", "header", "client"), CASES)
def test_the_right_most_address_no_trusted_proxy_wrote_is_the_client(
    peer: str, headers: dict[str, str], header: str, client: str
) -> None:
    """How a forwarding chain is read: only from a trusted peer, only the configured header,
    from the right, stopping at the first address that is not a trusted proxy."""
    assert Proxies(PROXIES, header).client(_request(peer, headers)) == client


def test_without_trusted_proxies_headers_are_ignored() -> None:
    request = _request("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"})
    assert Proxies(()).client(request) == "127.0.0.1"
