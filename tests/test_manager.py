"""The Socket.IO manager's room bookkeeping (bot/store/manager.py `_Manager`, which knows each
client's rooms so a disconnect does not scan every room) against python-socketio's own manager,
under random sequences of connects, joins, leaves, room closes and disconnects."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.store.manager import socketio_manager

CLIENTS, ROOMS, NAMESPACES = 6, 4, ("/", "/agent")
STEPS = st.lists(st.tuples(st.sampled_from(["connect", "enter", "leave", "close", "disconnect"]),
                           st.integers(0, CLIENTS - 1), st.integers(0, ROOMS - 1),
                           st.sampled_from(NAMESPACES)), max_size=80)


class Side:
    """One manager with its server, and which sid each client got from it."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager
        socketio.AsyncServer(client_manager=manager, async_mode="aiohttp")  # sets itself as server
        self.sids: dict[tuple[str, int], str] = {}

    async def step(self, op: str, client: int, room: int, namespace: str) -> None:
        m, key = self.manager, (namespace, client)
        if op == "connect":
            if key not in self.sids:
                self.sids[key] = await m.connect(f"eio{client}", namespace)
            return
        sid = self.sids.get(key)
        if op == "close":
            m.basic_close_room(f"room{room}", namespace)
        elif sid is None:
            return
        elif op == "enter":
            m.basic_enter_room(sid, namespace, f"room{room}")
        elif op == "leave":
            m.basic_leave_room(sid, namespace, f"room{room}")
        elif op == "disconnect":
            m.pre_disconnect(sid, namespace)
            await m.disconnect(sid, namespace, ignore_queue=True)  # as the server does for its own
            del self.sids[key]

    def state(self) -> dict[str, Any]:
        """Rooms and each client's rooms, with sids named by client (the two sides' ids differ)."""
        name = {sid: f"client{client}@{ns}" for (ns, client), sid in self.sids.items()}
        rooms = {ns: {name.get(room, room): sorted(name[sid] for sid in members)
                      for room, members in by_room.items()}
                 for ns, by_room in self.manager.rooms.items()}
        of = {name[sid]: sorted(name.get(r, r) for r in self.manager.get_rooms(sid, ns))
              for (ns, _), sid in self.sids.items()}
        pending = {ns: len(v) for ns, v in self.manager.pending_disconnect.items()}
        return {"rooms": rooms, "of": of, "pending_disconnect": pending,
                "connected": sorted(name[s] for (ns, _), s in self.sids.items()
                                    if self.manager.is_connected(s, ns))}


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_rooms_are_kept_as_python_socketio_keeps_them(steps: list[tuple[str, int, int, str]]) -> None:
    async def run() -> None:
        ours = Side(socketio_manager("redis://127.0.0.1:1/0"))  # never connects: no pub/sub here
        theirs = Side(socketio.AsyncManager())
        for step in steps:
            await ours.step(*step)
            await theirs.step(*step)
            assert ours.state() == theirs.state(), step
        for (namespace, client) in list(ours.sids):  # everyone leaves: nothing of them is kept
            await ours.step("disconnect", client, 0, namespace)
        assert ours.manager.rooms_of == {} and ours.manager.rooms == {}

    asyncio.run(run())
