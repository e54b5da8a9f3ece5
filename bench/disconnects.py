"""The cost of one disconnect against the number of open connections: the bridge's Socket.IO
manager (which knows each client's rooms) against python-socketio's own (which scans every room
of the namespace), in-process, no network. Each connection sits, as a visitor's does, in its own
room and its conversation's room.

    .venv/bin/python bench/disconnects.py --connections 1000,5000,10000,20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import socketio

from bot.store.manager import socketio_manager

import common


async def per_disconnect_us(manager: socketio.AsyncManager, connections: int, leaving: int) -> float:
    socketio.AsyncServer(client_manager=manager, async_mode="aiohttp")
    sids = []
    for i in range(connections):
        sid = await manager.connect(f"eio{i}", "/")
        await manager.enter_room(sid, "/", f"conversation-{i}")
        sids.append(sid)
    started = time.perf_counter()
    for sid in sids[:leaving]:
        manager.pre_disconnect(sid, "/")
        await manager.disconnect(sid, "/", ignore_queue=True)
    return (time.perf_counter() - started) / leaving * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", default="1000,5000,10000,20000")
    parser.add_argument("--leaving", type=int, default=200)
    args = parser.parse_args()
    print(f"# disconnects on {common.machine()}, commit {common.git_head()}", flush=True)
    for n in (int(x) for x in args.connections.split(",")):
        ours = asyncio.run(per_disconnect_us(socketio_manager("redis://127.0.0.1:1/0"), n,
                                             args.leaving))
        theirs = asyncio.run(per_disconnect_us(socketio.AsyncManager(), n, args.leaving))
        print(json.dumps({"connections": n, "bridge_us": round(ours, 1),
                          "python_socketio_us": round(theirs, 1),
                          "ratio": round(theirs / ours, 1)}), flush=True)


if __name__ == "__main__":
    main()
