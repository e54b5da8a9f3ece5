"""Tickets (messages visitors left): listed a page at a time, read, answered by email."""

from __future__ import annotations

import time
from typing import Any

from ..errors import Refused
from ..events import TicketReply, Tickets, TicketTranscript
from ..handoff import access
from ..models import Agent, Sender, Ticket
from .desk import Desk, Result, ok

TICKET_PAGE = 50  # tickets per `tickets` answer
TICKET_PREVIEW = 5  # latest lines of its conversation a listed ticket shows
TICKET_PREVIEW_CHARS = 300  # of each of those lines


class TicketDesk(Desk):
    async def do_tickets(self, sid: str, agent: Agent, payload: Tickets) -> Result:
        """A page of tickets, newest first: a supervisor's of every department (or the one
        asked for), an agent's of their own department only."""
        department = access.ticket_department(agent, payload.department or "", self.departments)
        tickets, more = await self.store.tickets(TICKET_PAGE, payload.offset, department)
        return ok(tickets=[await self.summary(t) for t in tickets], more=more)

    async def summary(self, ticket: Ticket) -> dict[str, Any]:
        """A ticket as lists show it: its conversation's latest lines, shortened (a summary;
        `ticket_transcript` pages the rest)."""
        page = await self.store.page_before(ticket.conversation_id, limit=TICKET_PREVIEW)
        lines = []
        for message in page.messages:
            if message.sender is Sender.NOTE:
                continue
            line = {"id": message.id, "sender": message.sender.value, "text": message.text,
                    "ts": message.ts}
            if len(message.text) > TICKET_PREVIEW_CHARS:
                line.update(text=message.text[:TICKET_PREVIEW_CHARS], cut=True)
            lines.append(line)
        return {**ticket.to_dict(), "transcript": lines, "transcript_more": page.more}

    async def ticket_of(self, agent: Agent, payload: TicketTranscript | TicketReply) -> Ticket:
        """The ticket named in `payload`, if this agent may act on it."""
        ticket = await self.store.get_ticket(payload.ticket_id)
        if ticket is None:
            raise Refused("unknown_ticket", "There is no such ticket.")
        access.check_ticket(agent, ticket)
        return ticket

    async def do_ticket_transcript(self, sid: str, agent: Agent,
                                   payload: TicketTranscript) -> Result:
        """A page of a ticket's conversation (notes left out), just before `before`."""
        ticket = await self.ticket_of(agent, payload)
        try:
            page = await self.store.page_before(ticket.conversation_id, payload.before)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        return ok(messages=[self.relay.entry(ticket.conversation_id, m) for m in page.messages
                            if m.sender is not Sender.NOTE], more=page.more)

    async def do_ticket_reply(self, sid: str, agent: Agent, payload: TicketReply) -> Result:
        from ..mail import send_reply  # imported here: only ticket replies need SMTP

        ticket = await self.ticket_of(agent, payload)
        try:
            await send_reply(self.settings, ticket, agent, payload.text)
        except OSError as error:  # nothing recorded: the ticket stays unanswered
            raise Refused(
                "email_failed",
                f"The email was not sent: {error}. The ticket stays unanswered; try again later.",
            ) from None
        reply = {"agent": agent.display_name, "text": payload.text, "ts": time.time()}
        await self.store.add_ticket_reply(ticket.id, reply)
        return ok(ticket=await self.summary(await self.store.get_ticket(ticket.id) or ticket))
