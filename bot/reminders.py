"""Reminders of chats left waiting: a sound only for those who can take one, at most once an
interval each, however many chats wait.

An agent who can take a chat now (connected, Online, below capacity, serving its department:
`access.departments_of`) gets one `reminder` per `REMIND_EVERY` seconds, naming the
longest-waiting chat they serve and the others (`chats`, a page). An agent who cannot (Away,
Offline, at capacity) gets `waiting`, the count per department, which their console shows
without a sound, at the same pace. Nothing is sent about chats waiting less than `REMIND_EVERY`
(the `handoff` alert told them). Paced in Redis (`Store.once`), so a new sweeper leader does not
start again from zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import Settings
from .handoff import access
from .models import Agent, Presence
from .relay import Relay, agent_room
from .store import Store

PAGE = 50  # chats named in one reminder, longest-waiting first (as many as `queue` sends)


@dataclass(frozen=True)
class Due:
    """A chat waiting for longer than `REMIND_EVERY`."""

    conversation_id: str
    department: str
    waited: float

    def payload(self) -> dict[str, Any]:
        return {"conversation_id": self.conversation_id, "waited_seconds": round(self.waited),
                "department": self.department}


class Reminders:
    def __init__(self, store: Store, relay: Relay, settings: Settings) -> None:
        self.store = store
        self.relay = relay
        self.settings = settings
        self.departments = settings.site.department_titles

    async def send(self, due: list[Due]) -> None:
        """Remind each connected agent of the waiting chats they serve: a `reminder` to those
        who can take one, the count (`waiting`) to the others; once a `REMIND_EVERY` each."""
        if not due:
            return
        due = sorted(due, key=lambda d: -d.waited)
        agents = await self.store.agents()
        connected = await self.store.connected(a.name for a in agents)
        presences = await self.store.presences()
        loads = await self.store.agent_loads(a.name for a in agents)
        for agent in agents:
            serves = set(access.departments_of(agent, self.departments))
            mine = [d for d in due if d.department in serves]
            if agent.name not in connected or not mine:
                continue
            can_take = (presences.get(agent.name) is Presence.ONLINE
                        and loads[agent.name] < agent.capacity)
            if await self.store.once(f"reminded:{agent.name}", self.settings.remind_every):
                await self.tell(agent, mine, can_take)

    async def tell(self, agent: Agent, mine: list[Due], can_take: bool) -> None:
        counts: dict[str, int] = {}
        for d in mine:
            counts[d.department] = counts.get(d.department, 0) + 1
        if can_take:
            payload = {**mine[0].payload(), "waiting": len(mine),
                       "chats": [d.payload() for d in mine[:PAGE]]}
            await self.relay.to_agents(agent_room(agent.name), "reminder", payload)
        else:
            await self.relay.to_agents(agent_room(agent.name), "waiting",
                                       {"waiting": len(mine), "departments": counts})
