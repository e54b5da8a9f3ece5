"""`Tickets` on Redis: one JSON string per ticket, its replies in a list, and indexes (all
tickets, each department's) by creation time."""

from __future__ import annotations

import json
import time
from typing import Any

from ...models import Ticket
from .. import keys
from ..tickets import LEFT_ONCE
from .connection import RedisPart


class RedisTickets(RedisPart):
    """`Tickets` (bot/store/tickets.py) on Redis."""

    async def save_ticket(self, ticket: Ticket, once: str = "") -> None:
        """The ticket, in the list of all tickets and in its department's (newest first)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.ticket(ticket.id), ticket.to_json(), ex=self.retention)
            if once:
                pipe.set(keys.ticket_left(once), ticket.id, ex=LEFT_ONCE)
            for index in (keys.TICKETS, keys.department_tickets(ticket.department)):
                pipe.zadd(index, {ticket.id: ticket.created_at})
                pipe.zremrangebyscore(index, "-inf", time.time() - self.retention)
                pipe.expire(index, self.retention)
            await pipe.execute()

    async def ticket_left(self, once: str) -> Ticket | None:
        ticket_id = await self.redis.get(keys.ticket_left(once))
        return await self.get_ticket(ticket_id) if ticket_id else None

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        tickets = await self._tickets([ticket_id])
        return tickets[0] if tickets else None

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        index = keys.department_tickets(department) if department else keys.TICKETS
        ids = await self.redis.zrevrange(index, offset, offset + limit)  # one more: is there more?
        return await self._tickets(ids[:limit]), len(ids) > limit

    async def _tickets(self, ids: list[str]) -> list[Ticket]:
        """Tickets with their replies (kept in a list of their own so that none is lost)."""
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for id in ids:
                pipe.get(keys.ticket(id))
                pipe.lrange(keys.ticket_replies(id), 0, -1)
            rows = await pipe.execute()
        tickets = []
        for raw, replies in zip(rows[::2], rows[1::2]):
            if raw:
                ticket = Ticket.from_json(raw)
                ticket.replies += [json.loads(r) for r in replies]
                ticket.status = "answered" if ticket.replies else ticket.status
                tickets.append(ticket)
        return tickets

    async def add_ticket_reply(self, ticket_id: str, reply: dict[str, Any]) -> None:
        key = keys.ticket_replies(ticket_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(reply))
            pipe.expire(key, self.retention)
            await pipe.execute()

    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        """Kept tickets left with this email address or from this conversation (a walk through
        every ticket: for the command line, bounded by retention)."""
        matching: list[Ticket] = []
        start = 0
        while ids := await self.redis.zrange(keys.TICKETS, start, start + 499):
            for ticket in await self._tickets(ids):
                if (email and ticket.email.lower() == email.lower()) or (
                    conversation_id and ticket.conversation_id == conversation_id
                ):
                    matching.append(ticket)
            start += len(ids)
        return matching

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.ticket(ticket_id), keys.ticket_replies(ticket_id))
            pipe.zrem(keys.TICKETS, ticket_id)
            if department:
                pipe.zrem(keys.department_tickets(department), ticket_id)
            await pipe.execute()
