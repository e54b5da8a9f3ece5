"""Idle connections: open N visitor connections (raw Engine.IO websockets, each with a session)
to one bridge process and report its resident memory.

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


async def run(url: str, n: int, pid: int) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=10000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"# idle connections on {common.machine()}, commit {common.git_head()}", flush=True)
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9")
    try:
        stack.start_redis()
        bridge = stack.start_bridge()
        asyncio.run(run(stack.bridge_url, args.connections, bridge.popen.pid))
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
