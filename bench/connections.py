"""Idle connections: open N visitor connections (raw Engine.IO websockets, each with a session,
nobody writing) to one bridge process and report its resident memory; then check that those page
views left no key without an expiry in Redis, and that a flood of binary packets from a few
connections does not keep the bridge's memory up.

    .venv/bin/python bench/connections.py --connections 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time

import aiohttp

import common


async def open_visitor(http: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse:
    """Engine.IO open, Socket.IO connect, session_request; answers nothing else (idle)."""
    ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket", heartbeat=None)
    await ws.receive()  # 0{...} open
    await ws.send_str("40")
    await ws.receive()  # 40{"sid":...}
    await ws.send_str('42["session_request",{}]')
    await ws.receive()  # session_confirm
    return ws


async def keep_alive(sockets: list) -> None:
    """Answer Engine.IO pings so idle connections stay open."""

    async def pong(ws) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT and message.data == "2":
                await ws.send_str("3")

    await asyncio.gather(*(pong(ws) for ws in sockets), return_exceptions=True)


async def run(url: str, n: int, pid: int, redis_url: str) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        before = common.rss_mb(pid)
        started = time.perf_counter()
        sockets, pingers = [], []
        for i in range(0, n, 200):
            batch = await asyncio.gather(*(open_visitor(http, url)
                                           for _ in range(min(200, n - i))))
            pingers.append(asyncio.create_task(keep_alive(batch)))
            sockets += batch
            if i % 2000 == 0:
                print(f"  {len(sockets)} open after {time.perf_counter() - started:.1f}s",
                      flush=True)
        opened = time.perf_counter() - started
        await asyncio.sleep(5)
        after = common.rss_mb(pid)
        alive = sum(not ws.closed for ws in sockets)
        print(json.dumps({
            "connections": n, "alive_after_5s": alive, "open_seconds": round(opened, 1),
            "bridge_rss_mb_before": round(before), "bridge_rss_mb_after": round(after),
            "kb_per_connection": round((after - before) * 1024 / n, 1),
        }), flush=True)
        for pinger in pingers:
            pinger.cancel()
        for ws in sockets:
            await ws.close()
        await permanent_keys(redis_url)
        await binary_flood(http, url, pid)


async def permanent_keys(redis_url: str) -> None:
    """Every key the page views made has an end of life (retention): none without a TTL."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    total, forever = 0, []
    async for key in client.scan_iter(count=1000):
        total += 1
        if await client.ttl(key) == -1:
            forever.append(key)
    await client.aclose()
    print(json.dumps({"keys": total, "keys_without_expiry": len(forever),
                      "examples": forever[:5]}), flush=True)


async def binary_flood(http: aiohttp.ClientSession, url: str, pid: int) -> None:
    """Three connections announce and send 1 MB binary attachments, 100 times each."""
    before = common.rss_mb(pid)
    blob = b"\x00" * (1024 * 1024)
    refused = 0
    for _ in range(100):
        for _ in range(3):
            ws = await http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket")
            await ws.receive()
            await ws.send_str("40")
            await ws.receive()
            try:
                await ws.send_str('451-["user_uttered",{"_placeholder":true,"num":0}]')
                await ws.send_bytes(blob)
            except (ConnectionError, aiohttp.ClientError):
                pass  # closed by the bridge before the attachment went through
            try:  # the bridge closes the connection: the socket ends within 2 s
                async with asyncio.timeout(2):
                    while (await ws.receive()).type not in (
                            aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                            aiohttp.WSMsgType.ERROR):
                        pass
                refused += 1
            except TimeoutError:
                pass
            await ws.close()
    await asyncio.sleep(3)
    after = common.rss_mb(pid)
    print(json.dumps({"binary_attempts": 300, "closed_by_bridge": refused,
                      "bridge_rss_mb_before_flood": round(before),
                      "bridge_rss_mb_after_flood": round(after),
                      "growth_percent": round(100 * (after - before) / before, 1)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=10000)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"# idle connections on {common.machine()}, commit {common.git_head()}", flush=True)
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9")
    try:
        stack.start_redis()
        bridge = stack.start_bridge()
        asyncio.run(run(stack.bridge_url, args.connections, bridge.popen.pid, stack.redis_url))
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
