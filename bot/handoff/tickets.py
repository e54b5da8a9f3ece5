"""Messages left when nobody could answer live: kept as tickets, answered by email."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from .. import wording
from ..models import Conversation, Sender, Ticket
from ..relay import SUPERVISORS, Relay, department_room
from ..store import Store


class Tickets:
    def __init__(self, store: Store, relay: Relay,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.relay = relay

    async def earlier(self, conversation_id: str, email: str, text: str) -> Ticket | None:
        """The ticket this very message made lately: a retry (its answer lost, or `unavailable`
        while replicas lagged) gets it again instead of a second one."""
        return await self.store.ticket_left(left_digest(conversation_id, email, text))

    async def keep(self, conversation: Conversation, name: str, email: str, text: str) -> Ticket:
        """Keep the message as a ticket that refers to the conversation (its transcript is read
        from there, a page at a time); `tell` the visitor once the chat moved."""
        ticket = Ticket(
            id=secrets.token_hex(8), conversation_id=conversation.id, name=name, email=email,
            message=text, department=conversation.department or "general",
            created_at=self.clock(),
        )
        await self.store.save_ticket(ticket, left_digest(conversation.id, email, text))
        await self.store.update_conversation(conversation.id, email=email)  # for transcripts
        return ticket

    async def tell(self, ticket: Ticket) -> None:
        """The visitor's word that the message is kept (after the move it made: the message
        carries the conversation's state), with the address for the transcript form."""
        await self.relay.post(
            ticket.conversation_id, Sender.SYSTEM, wording.MESSAGE_LEFT.format(email=ticket.email),
            {"custom": {"ticket": ticket.id, "email": ticket.email}},
        )

    async def announce(self, ticket: Ticket) -> None:
        """The department's agents and the supervisors see the new ticket at once."""
        summary = {"id": ticket.id, "department": ticket.department, "name": ticket.name}
        await self.relay.to_agents(
            [department_room(ticket.department), SUPERVISORS], "ticket", summary
        )


def left_digest(conversation_id: str, email: str, text: str) -> str:
    """What identifies a left message for its retries (a digest: no address in a key name)."""
    return hashlib.sha256(f"{conversation_id}\0{email.lower()}\0{text}".encode()).hexdigest()
