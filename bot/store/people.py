"""The people who answer: agents, their presence and live connections, and staff sign-in
sessions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ..models import Agent, Presence


class Agents(Protocol):
    """Agent records, their open chats and presence."""

    async def save_agent(self, agent: Agent) -> None: ...

    async def get_agent(self, name: str) -> Agent | None: ...

    async def agents(self) -> list[Agent]:
        """Every agent (copies: the store may keep the list until an agent changes)."""

    async def remove_agent(self, name: str) -> bool: ...

    async def agent_chats(self, name: str) -> set[str]: ...

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        """How many chats each of these agents has now (one round trip)."""

    async def set_presence(self, name: str, presence: Presence) -> None: ...

    async def presences(self) -> dict[str, Presence]: ...

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        """Mark agents as having a live connection (on this bridge) for `ttl` seconds."""

    async def connected(self, names: Iterable[str]) -> set[str]:
        """Which of `names` have a live connection on any bridge."""


class StaffSessions(Protocol):
    """Staff sign-in sessions, each open for a time."""

    async def start_staff_session(self, name: str, ttl: float) -> str:
        """A new sign-in session for the agent, open for `ttl` seconds; returns its id."""

    async def staff_session(self, session: str) -> str | None:
        """The agent whose session this is, while it is open."""

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        """Which of these sessions are still open."""

    async def end_staff_session(self, session: str) -> None: ...

    async def end_staff_sessions(self, name: str) -> int:
        """End every session of the agent (password reset, removal, sign-out everywhere)."""
