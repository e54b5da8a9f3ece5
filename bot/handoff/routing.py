"""Where a handed-over chat waits, who could answer it, and who is offered it next."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .. import hours
from ..config import Settings
from ..models import Agent, Presence, Role
from ..store import Store
from . import access

HEAD = 50  # the front of each queue read to merge queues in waiting order (a page)


@dataclass(frozen=True)
class Pick:
    """A waiting chat someone free may take: where it waits, its place (queue score), who is
    offered it, and the department it is taken in (`to`: its own, or, when nobody free serves
    that one, the agent's: it moves there first, keeping its place)."""

    conversation_id: str
    department: str
    score: float
    agent: Agent
    to: str


class Routing:
    """Departments, staffing and auto-assignment order, read from the store each time."""

    def __init__(self, store: Store, settings: Settings, departments: Mapping[str, str],
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.settings = settings
        self.departments = departments
        self.clock = clock  # business hours are read on it (tests/fast steps it)

    def local_time(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), ZoneInfo(self.settings.business_timezone))

    def is_open(self) -> bool:
        return hours.is_open(self.settings.business_hours, self.settings.business_timezone,
                             self.local_time())

    def hours(self) -> dict[str, object]:
        """For the widget: whether people are there now and, if not, when they are back."""
        return hours.status(self.settings.business_hours, self.settings.business_timezone,
                            self.local_time())

    async def route(self, department: str) -> tuple[str, bool]:
        """Where a chat for `department` waits, and whether someone can answer it now. First
        whoever is free (online with room for another chat): the department, else General,
        else the department with most people free; when nobody is free, the same order among
        those online (the chat waits its turn there); when nobody is online, the department
        asked for. '' stays '' (triage: the visitor picks, then this runs again).

        Chats already waiting are not subtracted: a department with a free seat keeps its new
        chats in its own queue, behind those who asked first and with its own people, rather
        than sending them ahead of the queue to another department."""
        online = await self.online_agents()
        staffing = self.count(online)
        if not department or not any(staffing.values()):
            return department, any(staffing.values())
        loads = await self.store.agent_loads(a.name for a in online)
        free = self.count([a for a in online if loads[a.name] < a.capacity])
        for counts in (free, staffing):
            for choice in (department, "general", *sorted(counts, key=lambda d: -counts[d])):
                if counts.get(choice):
                    return choice, True
        return department, False

    def why_nobody(self) -> str:
        """Why no person can answer (when `staffing` says nobody can)."""
        return "no_agent" if self.is_open() else "closed_hours"

    async def online_agents(self) -> list[Agent]:
        """Agents online and connected now."""
        agents = await self.store.agents()
        presences = await self.store.presences()
        connected = await self.store.connected(a.name for a in agents)
        return [a for a in agents
                if a.name in connected and presences.get(a.name) is Presence.ONLINE]

    async def available_agents(self, department: str) -> list[Agent]:
        """Online, connected agents of a department (supervisors count for every department)."""
        return [a for a in await self.online_agents()
                if a.department == department or a.role is Role.SUPERVISOR]

    async def staffing(self) -> dict[str, int]:
        """How many people could answer each department now: none outside business hours."""
        return self.count(await self.online_agents())

    def count(self, agents: list[Agent]) -> dict[str, int]:
        """How many of `agents` answer each department: none outside business hours."""
        if not self.is_open():
            return dict.fromkeys(self.departments, 0)
        return {d: sum(a.department == d or a.role is Role.SUPERVISOR for a in agents)
                for d in self.departments}

    def estimate(self, position: int, agents: int, waited: float = 0.0) -> int:
        """Seconds until a person picks up the chat at `position`, with `agents` answering, for
        a visitor who already waited `waited` seconds: the whole wait at that place less what
        was waited, counted in whole minutes up (so it changes once a minute, not once a
        second), 0 once it is over (a person should be there any moment)."""
        left = position * self.settings.avg_handle_seconds / max(1, agents) - max(0.0, waited)
        return 60 * math.ceil(left / 60) if left > 0 else 0

    def place(self, position: int, agents: int, department: str,
              waited: float) -> dict[str, Any]:
        """The visitor's `queue_position`: place, wait left (None when nobody can answer now),
        and whether the wait is already longer than it should be."""
        eta = self.estimate(position, agents, waited) if agents else None
        return {"position": position, "eta_seconds": eta, "department": department,
                "late": self.late(waited)}

    def late(self, waited: float) -> bool:
        """The wait is past `MAX_QUEUE_WAIT`: the visitor was told it takes longer than it
        should (and offered to leave a message), so no estimate is given any more."""
        return waited >= self.settings.max_queue_wait

    async def free_agents(self) -> list[Agent]:
        """Online agents with room for another chat, the least busy (for their capacity) first."""
        return [agent for agent, _ in (await self.seats())]

    async def seats(self) -> list[tuple[Agent, int]]:
        """Free agents with their load (chats held), the least busy for their capacity first."""
        agents = await self.online_agents()
        loads = await self.store.agent_loads(a.name for a in agents)
        ordered = sorted(agents, key=lambda a: (loads[a.name] / max(a.capacity, 1), a.name))
        return [(a, loads[a.name]) for a in ordered if loads[a.name] < a.capacity]

    async def picks(self) -> list[Pick]:
        """Who gets which free seat: the waiting chats (the front of each queue) in waiting
        order whatever their department, each given a seat of the least busy free agent who may
        take it (counting the seats given before it): one who serves its department, or, where
        nobody free does, any free agent (`access.takes_from`); until the seats run out.
        Whoever waited longest gets the first seat; a returning visitor gets their previous
        agent's seat when that agent is one of those who may take it (`last_agent`)."""
        seats = await self.seats()
        if not seats:
            return []
        load = {a.name: held for a, held in seats}
        served = {d for a, _ in seats for d in access.departments_of(a, self.departments)}
        waiting = []
        for d in self.departments:
            waiting += [(score, cid, d) for cid, score in await self.store.queue_scores(d, 0, HEAD)]
        last = {c.id: c.last_agent for c in
                await self.store.get_conversations([cid for _, cid, _ in waiting])}
        picks = []
        for score, cid, department in sorted(waiting):
            takers = sorted((a for a, _ in seats if load[a.name] < a.capacity
                             and department in access.takes_from(a, self.departments, served)),
                            key=lambda a: (load[a.name] / max(a.capacity, 1), a.name))
            if not takers:
                continue
            own = [a for a in takers if department in access.departments_of(a, self.departments)]
            # a returning visitor's previous agent, when free and eligible; else the least busy
            agent = next((a for a in own or takers if a.name == last.get(cid)), (own or takers)[0])
            load[agent.name] += 1
            picks.append(Pick(cid, department, score, agent, department if own else agent.department))
        return picks
