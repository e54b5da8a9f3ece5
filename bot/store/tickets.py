"""Tickets: messages left when nobody could answer, and the answers to them."""

from __future__ import annotations

from typing import Any, Protocol

from ..models import Ticket

LEFT_ONCE = 3600  # seconds a left message's retry finds the ticket it made (`ticket_left`)


class Tickets(Protocol):
    async def save_ticket(self, ticket: Ticket, once: str = "") -> None:
        """Keep the ticket; with `once` (a digest of what was left), `ticket_left(once)` finds
        it for LEFT_ONCE seconds."""

    async def ticket_left(self, once: str) -> Ticket | None:
        """The ticket saved with `once` lately, if any (a retried left message is not kept
        twice)."""

    async def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        """A page of tickets, newest first (all, or one department's), and whether more follow."""

    async def add_ticket_reply(self, ticket_id: str, reply: dict[str, Any]) -> None:
        """Record an answer to a ticket (atomic: two agents answering both count)."""

    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        """Kept tickets left with this email address (any case) or from this conversation."""

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None: ...
