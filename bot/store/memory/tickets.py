"""Tickets and canned responses in memory."""

from __future__ import annotations

import json
from typing import Any

from ...models import Ticket
from ..keys import PREFIX, ticket_left
from ..tickets import LEFT_ONCE
from .base import MemoryPart
from .keyspace import index_range


class MemoryTickets(MemoryPart):
    """`Tickets` and `Canned` in memory."""

    async def save_ticket(self, ticket: Ticket, once: str = "") -> None:
        """The ticket, in the list of all tickets and in its department's (newest first)."""
        self.keys.set(f"{PREFIX}ticket:{ticket.id}", ticket.to_json(), ttl=self.retention)
        if once:
            self.keys.set(ticket_left(once), ticket.id, ttl=LEFT_ONCE)
        for index in (f"{PREFIX}tickets", f"{PREFIX}tickets:{ticket.department}"):
            scores = self.keys.make(index, dict)
            scores[ticket.id] = ticket.created_at
            oldest = self.clock() - self.retention
            for old in [i for i, created in scores.items() if created <= oldest]:
                del scores[old]
            self.keys.tidy(index)
            self.keys.expire(index, self.retention)

    async def ticket_left(self, once: str) -> Ticket | None:
        ticket_id = self.keys.get(ticket_left(once))
        return await self.get_ticket(ticket_id) if ticket_id else None

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        tickets = self._tickets([ticket_id])
        return tickets[0] if tickets else None

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        index = f"{PREFIX}tickets:{department}" if department else f"{PREFIX}tickets"
        ids = index_range(self._ranked(index, reverse=True), offset, offset + limit)
        return self._tickets(ids[:limit]), len(ids) > limit

    def _tickets(self, ids: list[str]) -> list[Ticket]:
        """Tickets with their replies (kept in a list of their own so that none is lost)."""
        tickets = []
        for id in ids:
            raw = self.keys.get(f"{PREFIX}ticket:{id}")
            if raw:
                ticket = Ticket.from_json(raw)
                ticket.replies += [json.loads(r) for r in
                                   self.keys.get(f"{PREFIX}ticket_replies:{id}") or ()]
                ticket.status = "answered" if ticket.replies else ticket.status
                tickets.append(ticket)
        return tickets

    async def add_ticket_reply(self, ticket_id: str, reply: dict[str, Any]) -> None:
        key = f"{PREFIX}ticket_replies:{ticket_id}"
        self.keys.make(key, list).append(json.dumps(reply))
        self.keys.expire(key, self.retention)

    async def canned(self, department: str) -> dict[str, str]:
        return dict(self._hash(f"{PREFIX}canned:{department}"))

    async def set_canned(self, department: str, key: str, text: str) -> None:
        self._hset(f"{PREFIX}canned:{department}", **{key: text})

    async def delete_canned(self, department: str, key: str) -> bool:
        found = self._hash(f"{PREFIX}canned:{department}").pop(key, None) is not None
        self.keys.tidy(f"{PREFIX}canned:{department}")
        return found

    # insights ---------------------------------------------------------------------------------
