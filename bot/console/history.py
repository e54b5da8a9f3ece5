"""The visitor's history and search: past conversations and tickets, a page at a time, only
those of departments the agent may see (bot/handoff/access.py), each opened read only."""

from __future__ import annotations

from typing import Any

from .. import history, tags
from ..errors import Refused
from ..events import PastTranscript, Search, VisitorPast
from ..handoff import access
from ..models import Agent, Sender
from ..store.history import HISTORY_CAP, Found
from .desk import Desk, Result, ok

PAGE = 10  # entries per `visitor_history` or `search` answer
SEARCH_CAP = 100  # search hits looked at per department (the newest)
SEARCH_WINDOW = 60.0  # seconds of SEARCH_RATE
PREVIEW_CHARS = 200  # of a ticket's message, and of a conversation's first visitor line


class HistoryDesk(Desk):
    async def do_visitor_history(self, sid: str, agent: Agent, payload: VisitorPast) -> Result:
        """The same visitor's other conversations and tickets, newest first."""
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        links = history.links_of(conversation) + await self.store.visit_links(conversation.id)
        found = await self.store.visits(links, HISTORY_CAP) if links else []
        found = [row for row in found if row[0] != f"c:{conversation.id}"]
        entries, more = await self.page(agent, found, payload.offset)
        return ok(entries=entries, more=more, offset=payload.offset)

    async def do_search(self, sid: str, agent: Agent, payload: Search) -> Result:
        """Past conversations and tickets having every word (or the address) asked for; with a
        tag, only conversations that have it (now: a tag taken off later no longer finds it)."""
        departments = access.search_departments(agent, payload.department, self.departments)
        words = history.query(payload.text)
        if not words and not payload.tag:
            raise Refused("invalid_payload", "Search for a word of 2 letters or more, or a tag.")
        if payload.tag:
            words = [*words, tags.tag_word(payload.tag)]
        if not await self.store.hit(f"search:{agent.name}", self.settings.search_rate,
                                    SEARCH_WINDOW):
            raise Refused("rate_limited", "Too many searches; try again in a minute.")
        until = payload.until or float("inf")
        found: list[Found] = [await self.store.find_words(d, words, payload.since, until,
                                                          SEARCH_CAP) for d in departments]
        merged = history_merged(found)
        entries, more = await self.page(agent, merged, payload.offset, payload.tag)
        return ok(entries=entries, more=more, offset=payload.offset)

    async def do_past_transcript(self, sid: str, agent: Agent, payload: PastTranscript) -> Result:
        """A past conversation, read only: its record and a page of its transcript."""
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees_past(agent, conversation)
        try:
            page = await self.store.page_before(conversation.id, payload.before)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        return ok(conversation=conversation.summary(), more=page.more,
                  messages=[self.relay.entry(conversation.id, m) for m in page.messages])

    async def page(self, agent: Agent, found: Found, offset: int,
                   tag: str = "") -> tuple[list[dict[str, Any]], bool]:
        """The entries the agent may see (with `tag`, conversations that have it), from
        `offset`, PAGE of them; and whether more follow. Read a chunk at a time until the page
        is full (bounded by `found`)."""
        shown: list[dict[str, Any]] = []
        seen = 0
        for start in range(0, len(found), PAGE * 2):
            listed = await self.visible(agent, found[start:start + PAGE * 2])
            for entry in [e for e in listed if not tag or tag in e.get("tags", ())]:
                if seen >= offset:
                    if len(shown) == PAGE:
                        return shown, True
                    shown.append(entry)
                seen += 1
        return shown, False

    async def visible(self, agent: Agent, found: Found) -> list[dict[str, Any]]:
        """Entries as the console lists them, those the agent may see, in order."""
        ids = [entry[2:] for entry, _ in found if entry.startswith("c:")]
        conversations = {c.id: c for c in await self.store.get_conversations(ids)}
        names = await self.display_names({c.last_agent for c in conversations.values()})
        listed = []
        for entry, at in found:
            kind, id = entry[:1], entry[2:]
            if kind == "c" and id in conversations:
                conversation = conversations[id]
                if access.may_see_past(agent, conversation):
                    listed.append({"kind": "conversation", "at": at,
                                   **conversation.summary(),
                                   "last_agent": conversation.last_agent,
                                   "last_agent_name": names.get(conversation.last_agent, ""),
                                   "first_line": await self.first_line(id)})
            elif kind == "t":
                ticket = await self.store.get_ticket(id)
                if ticket is not None and access.may_see_ticket(agent, ticket):
                    listed.append({"kind": "ticket", "at": at, "id": ticket.id,
                                   "conversation_id": ticket.conversation_id,
                                   "department": ticket.department, "name": ticket.name,
                                   "email": ticket.email, "status": ticket.status,
                                   "created_at": ticket.created_at,
                                   "message": ticket.message[:PREVIEW_CHARS]})
        return listed

    async def display_names(self, logins: set[str]) -> dict[str, str]:
        """Login name -> display name of the agents named (at most a page's worth); one who was
        removed since has none (the console then names nobody rather than a login name)."""
        names = {}
        for login in sorted(logins - {""}):
            agent = await self.store.get_agent(login)
            if agent is not None:
                names[login] = agent.display_name
        return names

    async def first_line(self, conversation_id: str) -> str:
        """The visitor's first words in the conversation (shortened), to tell visits apart."""
        page = await self.store.page_after(conversation_id, limit=20)
        for message in page.messages:
            if message.sender is Sender.VISITOR:
                return message.text[:PREVIEW_CHARS]
        return ""


def history_merged(found: list[Found]) -> Found:
    """Hits of several departments, newest first."""
    return sorted((row for rows in found for row in rows), key=lambda row: (-row[1], row[0]))

