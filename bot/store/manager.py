"""python-socketio's Redis pub/sub manager, adapted: a bounded pool, batched emits, per-client
room bookkeeping and guarded rooms.

python-socketio's public manager interface covers rooms (`basic_enter_room`, `basic_leave_room`,
`basic_disconnect`, `get_rooms`, overridden here with the same signatures) but not the rest, so
this module also relies on private parts, named in `PRIVATE` and checked when a manager is made
(a release that renames one fails at start-up, instead of silently skipping an override):
`_redis_connect` (the only place the Redis client is made: there is no option for a bounded
blocking pool), `_redis_listen_with_retries` (its back-off grows to 60 s), `_handle_emit` and
`_publish` (an emit's delivery on each bridge and its pub/sub message: the batch and the guards
travel in them), and the room bookkeeping `basic_disconnect` updates. pyproject.toml pins
python-socketio to the releases read for this.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import redis.asyncio as aioredis
import socketio

from .. import redis_address
from . import keys
from .redis.connection import connection_options

# python-socketio's private methods and attributes this manager uses (module docstring).
PRIVATE = ("_redis_connect", "_redis_listen_with_retries", "_handle_emit", "_publish", "host_id",
           "rooms", "callbacks", "pending_connect", "pending_disconnect")
RESUBSCRIBE_EVERY = 1.0  # seconds between attempts to listen again after Redis failed


class _Manager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager on a bounded blocking pool (its own `from_url` pool
    fails, and drops the emit, when a burst needs more connections than the bound), able to
    carry several emits in one pub/sub message (one PUBLISH per relayed chat message), knowing
    each client's rooms (its own disconnect scans, and copies, every room of the namespace: the
    cost of one disconnect grew with the number of connections), and guarding rooms: an emit
    may carry `only` (delivered only to the connections `guard` admits) or `leave` (after it,
    the connections `guard` does not admit leave the room), decided on each bridge for its own
    connections (see `Relay.guard_with`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        missing = [name for name in PRIVATE if not hasattr(self, name)]
        if missing:
            raise RuntimeError(f"python-socketio {_version()} lacks {', '.join(missing)}, which "
                               "bot/store/manager.py uses: install the version pyproject.toml pins")
        self.rooms_of: dict[tuple[str, str], set[str | None]] = {}  # (namespace, sid) -> rooms
        self.guard: Callable[[str, str, Any], list[str]] | None = None

    def basic_enter_room(self, sid: str, namespace: str, room: str | None,
                         eio_sid: str | None = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: str | None) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def get_rooms(self, sid: str, namespace: str) -> list[str]:
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """As python-socketio's (5.x), leaving only the rooms this client is in."""
        if namespace not in self.rooms:
            return
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]

    async def emit_together(self, emits: list[dict[str, Any]]) -> None:
        """Emits ({event, data, namespace, room, only?, leave?} each, see `relay.emit`):
        delivered here, then to every other bridge, in one pub/sub message."""
        batch = [{"method": "emit", "event": one["event"], "data": [one["data"]],
                  "binary": False, "namespace": one["namespace"], "room": one["room"],
                  "skip_sid": None, "callback": None, "host_id": self.host_id,
                  "only": one.get("only"), "leave": one.get("leave")} for one in emits]
        await self._handle_emit({"batch": batch})
        await self._publish({"method": "emit", "batch": batch, "host_id": self.host_id})

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        """Deliver an emit (or a batch of them) to this bridge's connections, guarded."""
        for one in message.get("batch") or [message]:
            namespace, room = one.get("namespace") or "/", one.get("room")
            only, leave = one.get("only"), one.get("leave")
            if only is not None and self.guard is not None:
                one = {**one, "skip_sid": self.guard(namespace, room, only)}
            await super()._handle_emit(one)
            if leave is not None and self.guard is not None:
                for sid in self.guard(namespace, room, leave):
                    self.basic_leave_room(sid, namespace, room)

    async def _redis_listen_with_retries(self) -> AsyncIterator[dict[str, Any]]:
        """As python-socketio's, but retrying every second, not after 1, 2, 4 ... 60 s: what
        other bridges emit while this one is not subscribed never reaches its connections, and
        a Sentinel failover of 10 s had this bridge listening again only after 15 s."""
        while True:
            try:
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any failure of Redis: listen again
                self._get_logger().error("Cannot receive from redis (%s): listening again in "
                                         "%.0f s", exc, RESUBSCRIBE_EVERY)
                await asyncio.sleep(RESUBSCRIBE_EVERY)

    def _redis_connect(self) -> None:
        """As python-socketio's, on a bounded pool that waits for a free connection."""
        pool = redis_address.pool(self.redis_url, timeout=20,
                                  **connection_options(max_connections=32))
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True


def socketio_manager(url: str) -> socketio.AsyncRedisManager:
    """python-socketio's pub/sub between bridges, on the same kind of connections as the store."""
    return _Manager(url, channel=keys.SOCKETIO_CHANNEL)


def _version() -> str:
    try:
        return version("python-socketio")
    except PackageNotFoundError:
        return "(unknown version)"
