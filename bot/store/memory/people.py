"""Queues, agents, presence and staff sessions in memory."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterable

from ...models import Agent, Presence
from ..keys import PREFIX
from .base import MemoryPart
from .keyspace import index_range


class MemoryPeople(MemoryPart):
    """`Queues`, `Agents` and `StaffSessions` in memory."""

    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        stop = -1 if limit < 0 else offset + limit - 1
        return index_range(self._ranked(f"{PREFIX}queue:{department}"), offset, stop)

    async def queue_scores(self, department: str, offset: int = 0,
                           limit: int = -1) -> list[tuple[str, float]]:
        stop = -1 if limit < 0 else offset + limit - 1
        scores = self._zset(f"{PREFIX}queue:{department}")
        ranked = index_range(self._ranked(f"{PREFIX}queue:{department}"), offset, stop)
        return [(member, float(scores[member])) for member in ranked]

    async def queue_length(self, department: str) -> int:
        return len(self._zset(f"{PREFIX}queue:{department}"))

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        ranked = self._ranked(f"{PREFIX}queue:{department}")
        return ranked.index(conversation_id) + 1 if conversation_id in ranked else None

    # agents and presence ----------------------------------------------------------------------

    async def save_agent(self, agent: Agent) -> None:
        self._hset(f"{PREFIX}agent:{agent.name}", **agent.to_fields())
        self.keys.make(f"{PREFIX}agents", set).add(agent.name)

    async def get_agent(self, name: str) -> Agent | None:
        fields = self._hash(f"{PREFIX}agent:{name}")
        return Agent.from_fields(name, fields) if fields else None

    async def agents(self) -> list[Agent]:
        names = sorted(self.keys.get(f"{PREFIX}agents") or ())
        found = [await self.get_agent(name) for name in names]
        return [copy.copy(agent) for agent in found if agent]

    async def remove_agent(self, name: str) -> bool:
        deleted = self.keys.delete(f"{PREFIX}agent:{name}")
        self._srem(f"{PREFIX}agents", name)
        self._hash(f"{PREFIX}presence").pop(name, None)
        self.keys.tidy(f"{PREFIX}presence")
        return deleted

    async def agent_chats(self, name: str) -> set[str]:
        return set(self.keys.get(f"{PREFIX}agent_chats:{name}") or ())

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        return {name: len(await self.agent_chats(name)) for name in names}

    async def set_presence(self, name: str, presence: Presence) -> None:
        self._hset(f"{PREFIX}presence", **{name: presence.value})

    async def presences(self) -> dict[str, Presence]:
        return {name: Presence(v) for name, v in self._hash(f"{PREFIX}presence").items()}

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        for name in names:
            self.keys.set(f"{PREFIX}alive:{name}", "1", ttl=int(ttl * 1000) / 1000)

    async def connected(self, names: Iterable[str]) -> set[str]:
        return {name for name in names if self.keys.get(f"{PREFIX}alive:{name}")}

    # tickets and canned responses -------------------------------------------------------------

    async def start_staff_session(self, name: str, ttl: float) -> str:
        session = secrets.token_urlsafe(18)
        seconds = int(ttl * 1000) / 1000
        self.keys.set(f"{PREFIX}staff:{session}", name, ttl=seconds)
        self.keys.make(f"{PREFIX}staff_of:{name}", set).add(session)
        self.keys.expire(f"{PREFIX}staff_of:{name}", seconds)  # the newest session ends last
        return session

    async def staff_session(self, session: str) -> str | None:
        name: str | None = self.keys.get(f"{PREFIX}staff:{session}")
        return name

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        return {s for s in sessions if self.keys.get(f"{PREFIX}staff:{s}")}

    async def end_staff_session(self, session: str) -> None:
        name = self.keys.get(f"{PREFIX}staff:{session}")
        self.keys.delete(f"{PREFIX}staff:{session}")
        if name:
            self._srem(f"{PREFIX}staff_of:{name}", session)

    async def end_staff_sessions(self, name: str) -> int:
        sessions = self.keys.get(f"{PREFIX}staff_of:{name}") or set()
        ended = sum(self.keys.delete(f"{PREFIX}staff:{s}") for s in list(sessions))
        self.keys.delete(f"{PREFIX}staff_of:{name}")
        return ended

    # coordination -----------------------------------------------------------------------------
