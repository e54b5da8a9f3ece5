"""Where a handed-over chat waits, who could answer it, and who is offered it next."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import hours
from ..config import Settings
from ..models import Agent, Presence, Role
from ..store import Store


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

    def estimate(self, position: int, agents: int) -> int:
        """Seconds until a person picks up the chat at `position`, with `agents` answering."""
        return int(position * self.settings.avg_handle_seconds / max(1, agents))

    async def with_room(self, department: str) -> list[Agent]:
        """Who auto-assignment offers the department's longest-waiting chat to, in order: the
        least busy (for their capacity) first, those with no room left out."""
        agents = await self.available_agents(department)
        loads = await self.store.agent_loads(a.name for a in agents)
        ordered = sorted(agents, key=lambda a: (loads[a.name] / max(a.capacity, 1), a.name))
        return [a for a in ordered if loads[a.name] < a.capacity]
