"""Real python-socketio clients playing visitors (and, later, agents) in tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import socketio

Predicate = Callable[[Any], bool]
_ids = itertools.count(1)


class Recorder:
    """Keeps every event a client receives, and waits for the ones a test expects."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()

    async def record(self, event: str, data: Any) -> None:
        if event == "bot_uttered" and isinstance(data, dict):
            data = {**data.get("metadata", {}), **data}  # Frontdesk's fields sit in metadata
        async with self._changed:
            self.events.append((event, data))
            self._changed.notify_all()

    def of(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_for(
        self, event: str, where: Predicate = lambda _: True, timeout: float = 30, start: int = 0
    ) -> Any:
        """The first `event` (from index `start`) matching `where`, waiting up to `timeout`."""

        def find() -> Any:
            for name, data in self.events[start:]:
                if name == event and where(data):
                    return data
            return None

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
            return find()


    async def wait_for_any(self, events: tuple[str, ...], start: int = 0,
                           timeout: float = 30) -> tuple[str, Any]:
        """The first of `events` (from index `start`), with its name, waiting up to `timeout`."""

        def find() -> tuple[str, Any] | None:
            return next(((n, d) for n, d in self.events[start:] if n in events), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
            found = find()
            assert found is not None
            return found


class Visitor:
    """A visitor's widget: connects, asks for a session, says things, collects replies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.seen = Recorder()
        self.session_id = ""  # the resume secret: only this visitor's widget knows it
        self.conversation_id = ""  # what staff, logs and Rasa see
        self.sio.on("*", self.seen.record)

    async def connect(self, session_id: str | None = None) -> str:
        """Start (or, with a resume secret, resume) a conversation; returns its id."""
        await self.sio.connect(self.url, transports=["websocket"])
        mark = len(self.seen.events)
        await self.sio.emit("session_request", {"session_id": session_id})
        self.session_id = await self.seen.wait_for("session_confirm", start=mark, timeout=10)
        state = await self.seen.wait_for("session_state", start=mark, timeout=10)
        self.conversation_id = state["conversation_id"]
        return self.conversation_id

    async def say(self, text: Any, **extra: Any) -> int:
        """Send `user_uttered`; returns the event index to wait from."""
        mark = len(self.seen.events)
        payload = {"message": text, "session_id": self.session_id, **extra}
        await self.sio.emit("user_uttered", payload)
        return mark

    async def ask(self, text: str, timeout: float = 30) -> dict[str, Any]:
        """Say something and return the first `bot_uttered` that follows."""
        mark = await self.say(text, message_id=f"t{next(_ids)}")
        return await self.seen.wait_for("bot_uttered", start=mark, timeout=timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def login(base_url: str, name: str, password: str) -> tuple[int, dict[str, Any]]:
    """POST /api/login; returns the HTTP status and the JSON body."""
    import aiohttp

    async with aiohttp.ClientSession() as http, http.post(
        f"{base_url}/api/login", json={"name": name, "password": password}
    ) as response:
        return response.status, await response.json()


class AgentClient:
    """An agent's console: logs in over HTTP, then talks on the /agent namespace."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.seen = Recorder()
        self.token = ""
        self.sio.on("*", self.seen.record, namespace="/agent")

    async def connect(self, name: str = "", password: str = "", token: str = "") -> None:
        if not token:
            status, body = await login(self.url, name, password)
            assert status == 200, body
            token = body["token"]
        self.token = token
        await self.sio.connect(
            self.url, namespaces=["/agent"], transports=["websocket"], auth={"token": token}
        )

    async def call(self, event: str, payload: Any = None, timeout: float = 20) -> dict[str, Any]:
        return await self.sio.call(event, payload or {}, namespace="/agent", timeout=timeout)

    async def must(self, event: str, payload: Any = None) -> dict[str, Any]:
        result = await self.call(event, payload)
        assert result["ok"], result
        return result

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
