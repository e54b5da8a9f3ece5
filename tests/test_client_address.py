"""Per-address limits count the real client: behind a trusted reverse proxy (Debian's nginx on
loopback, as the README asks for one in front of the bridge), the address it forwards; without
TRUSTED_PROXIES, the TCP peer, whatever forwarding headers a client writes itself."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from stack import free_port, tcp_open

NGINX = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Any]:
    """Start Debian's nginx in front of a bridge: `nginx(bridge_url)` returns the proxy's URL."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)")
    started: list[subprocess.Popen] = []

    def start(bridge_url: str) -> str:
        port = free_port()
        folder = tmp_path / f"nginx-{port}"
        folder.mkdir()
        config = folder / "nginx.conf"
        upstream = bridge_url.rsplit(":", 1)[1]
        config.write_text(NGINX.format(dir=folder, port=port, upstream=upstream))
        process = subprocess.Popen([binary, "-e", "stderr", "-p", str(folder), "-c", str(config)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        started.append(process)
        deadline = time.monotonic() + 20
        while not tcp_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {process.communicate()[0]!r}")
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


def client_from(address: str) -> aiohttp.ClientSession:
    """An HTTP client whose connections come from `address` (any of 127.0.0.0/8 on loopback)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


async def login(http: aiohttp.ClientSession, base: str, name: str, password: str,
                **headers: str) -> tuple[int, str]:
    async with http.post(f"{base}/api/login", json={"name": name, "password": password},
                         headers=headers) as response:
        body = await response.json()
        return response.status, body.get("error", {}).get("code", "")


async def lock_out(http: aiohttp.ClientSession, base: str, rate: int, **headers: str) -> None:
    """Fail logins with unknown names until the address is locked out (3 x LOGIN_RATE)."""
    for i in range(3 * rate):
        answer = await login(http, base, f"stranger-{i}", "guess", **headers)
        assert answer == (401, "bad_credentials")
    assert await login(http, base, "stranger-x", "guess", **headers) == (429, "rate_limited")


async def test_behind_a_trusted_proxy_each_client_has_its_own_limits(isolated, make_agent,
                                                                   nginx) -> None:
    """Through nginx every connection reaches the bridge from 127.0.0.1: with it trusted, one
    client locked out of logins (even one rotating a forged X-Forwarded-For) leaves another
    client's login alone, and page views are counted per client too."""
    url, redis_url = isolated(TRUSTED_PROXIES="127.0.0.1", LOGIN_RATE="2",
                              VISITOR_ADDRESS_FACTOR="1")
    proxy = nginx(url)
    name, password = make_agent("general", redis_url=redis_url)
    async with client_from("127.0.0.2") as stranger, client_from("127.0.0.3") as agent:
        await lock_out(stranger, proxy, 2)
        forged = await login(stranger, proxy, "stranger-y", "guess",
                             **{"X-Forwarded-For": "203.0.113.9"})
        assert forged == (429, "rate_limited")  # nginx appends the real peer: still locked out
        assert await login(agent, proxy, name, password) == (200, "")

    # Socket.IO through the proxy (websocket upgrade): 30 page views a minute per address here.
    async def views(address: str, count: int) -> list[str]:
        answers = []
        async with client_from(address) as http:
            sio = socketio.AsyncClient(reconnection=False, http_session=http)
            seen: asyncio.Queue = asyncio.Queue()
            sio.on("session_confirm", lambda _: seen.put_nowait("ok"))
            sio.on("chat_error", lambda error: seen.put_nowait(error["code"]))
            for _ in range(count):
                if not sio.connected:
                    await sio.connect(proxy, transports=["websocket"])
                await sio.emit("session_request", {})
                answers.append(await asyncio.wait_for(seen.get(), 10))
                if len(answers) % 10 == 0:  # 10 per connection a minute: a new page view
                    await sio.disconnect()
            await sio.disconnect()
        return answers

    assert (await views("127.0.0.4", 31))[-1] == "rate_limited"
    assert await views("127.0.0.5", 1) == ["ok"]


async def test_without_trusted_proxies_forwarding_headers_are_ignored(isolated, make_agent) -> None:
    """A client cannot escape its limits by writing X-Forwarded-For, X-Real-IP or Forwarded
    itself: with TRUSTED_PROXIES empty (the default) the TCP peer is the address."""
    url, redis_url = isolated(LOGIN_RATE="2")
    name, password = make_agent("general", redis_url=redis_url)
    async with aiohttp.ClientSession() as http:
        for i in range(6):
            forged = {"X-Forwarded-For": f"198.51.100.{i}", "X-Real-IP": f"198.51.100.{i}",
                      "Forwarded": f"for=198.51.100.{i}"}
            answer = await login(http, url, f"stranger-{i}", "guess", **forged)
            assert answer == (401, "bad_credentials")
        elsewhere = {"X-Forwarded-For": "192.0.2.1", "X-Real-IP": "192.0.2.1",
                     "Forwarded": "for=192.0.2.1"}
        assert await login(http, url, name, password, **elsewhere) == (429, "rate_limited")
