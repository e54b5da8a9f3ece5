"""The baseline: a bare python-socketio server that relays messages between the clients of a
room, with no storage and no logic. Run: python bench/echo_server.py PORT"""

from __future__ import annotations

import sys

import socketio
from aiohttp import web

from bot.app import event_loop

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")


@sio.on("join")
async def join(sid: str, room: str) -> None:
    await sio.enter_room(sid, room)


@sio.on("relay")
async def relay(sid: str, data: dict) -> None:
    await sio.emit("relayed", data, room=data["room"], skip_sid=sid)


def main() -> None:
    app = web.Application()
    sio.attach(app)
    # The bridge's own event loop (uvloop), so the ratio compares the work, not the loop.
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, loop=event_loop())


if __name__ == "__main__":
    main()
