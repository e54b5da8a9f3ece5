"""The moves of the table (bot/handoff/machine.py) made against the store: the atomic move,
and the queue side every handover ends in (queued, auto-assigned, claimed).

Every move is one atomic compare-and-set in the store, so two bridge processes or two agents
racing for the same conversation cannot both win. Each move names the state it expects (owner,
agent, department as the mover saw them); if the conversation moved meanwhile, the move changes
nothing, posts nothing and is refused as `state_changed`. Only a move that happened is told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from .. import metrics
from ..config import Settings
from ..errors import STATE_CHANGED, Refused
from ..history import Remember
from ..models import Agent, Conversation, Owner
from ..relay import Relay
from ..store import Expect, Move, Outcome, Store
from . import access, machine
from .notices import Notices
from .routing import Pick, Routing
from .tickets import Tickets

log = logging.getLogger(__name__)

ASSIGN_ROUNDS = 1000  # assignments one call makes at most (each fills a free seat)

REFUSALS = {
    Outcome.MISSING: ("unknown_conversation", "There is no such conversation."),
    Outcome.FULL: ("at_capacity", "That agent has no room for another chat."),
    Outcome.STALE: (STATE_CHANGED, "This chat changed hands meanwhile; it has been updated."),
}


class Moves:
    """The atomic move, checked against the table, and the queue side of the machine."""

    def __init__(self, store: Store, relay: Relay, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.relay = relay
        self.settings = settings
        self.clock = clock  # the time moves write (tests/fast steps it with the store's)
        self.departments = settings.site.department_titles  # key -> title, from the site pack
        self.routing = Routing(store, settings, self.departments, clock)
        self.notices = Notices(store, relay, self.routing, self.departments, clock)
        self.tickets = Tickets(store, relay, clock)
        self.remember = Remember(store, clock)  # the visitor's history, the search index

    async def conversation(self, conversation_id: str) -> Conversation:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise Refused("unknown_conversation", "There is no such conversation.")
        return conversation

    async def read(self, seen: Conversation | str) -> Conversation:
        return seen if isinstance(seen, Conversation) else await self.conversation(seen)

    async def move(
        self, conversation_id: str, expect: Expect, to: Owner, *,
        capacity: int | None = None, score: float | None = None, **fields: str,
    ) -> Move:
        """One atomic move the table allows (else `machine.IllegalMove`: a bug, raised under
        `python -O` too); refused (nothing changed, nothing told) unless it happened. The
        `agent` field is set on a move to an agent and cleared on any other (`fields_for`)."""
        return await self.transition(None, conversation_id, expect, to, capacity, score, fields)

    async def make(self, name: str, conversation_id: str, expect: Expect,
                   fields: Mapping[str, str] | None = None, *, capacity: int | None = None,
                   score: float | None = None) -> Move:
        """The move `name` of the table, to the owner its row says, writing what it declares."""
        row = machine.BY_NAME[name]
        return await self.transition(row, conversation_id, expect, row.to, capacity, score,
                                     fields or {})

    async def transition(self, row: machine.Move | None, conversation_id: str, expect: Expect,
                         to: Owner, capacity: int | None, score: float | None,
                         fields: Mapping[str, str]) -> Move:
        machine.check(expect.owners, to, row)
        legal = replace(expect, legal=machine.sources(to))  # the store checks it again
        move = await self.store.transition(
            conversation_id, legal, to, capacity=capacity, score=score,
            **machine.fields_for(row, to, fields),
        )
        if move.outcome in REFUSALS:
            raise Refused(*REFUSALS[move.outcome])
        return move

    def waits(self, department: str) -> dict[str, str]:
        """The fields of a new wait in `department`'s queue, from now."""
        now = repr(self.clock())
        return {"department": department, "queued_at": now, "waiting_since": now}

    async def queued(self, conversation_id: str, department: str, asked: str = "",
                     offered: bool = False) -> None:
        """A conversation joined a queue: try to assign it; if nobody took it, tell the visitor
        the truth and alert the department's agents (and supervisors) once each. `asked`: the
        department the visitor or the bot chose, when routing sent the chat elsewhere;
        `offered`: the visitor was already offered to leave a message (nobody online)."""
        await self.notices.changed(conversation_id)
        if asked and asked != department:
            await self.notices.routed_elsewhere(conversation_id, asked, department)
        if self.settings.auto_assign:
            await self.assign(department)
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is not None and conversation.owner is Owner.QUEUE:  # still waiting
            await self.notices.waiting(conversation, conversation.department, offered)

    async def assign(self, department: str = "") -> bool:
        """Auto-assign every waiting chat someone free may take, the longest-waiting first
        whatever its department (`Routing.picks`); True if any was. A freed seat or an agent
        coming online anywhere may be filled from any queue that agent may take from, so
        `department` (where the caller saw the change) only names it for the log."""
        assigned = False
        for _ in range(ASSIGN_ROUNDS):
            if not await self.assign_next():
                break
            assigned = True
        return assigned

    async def assign_next(self) -> bool:
        """Give the longest-waiting chat someone free may take to them (moved first to their
        department when nobody free serves its own); False when there is none."""
        for pick in await self.routing.picks():
            try:
                if pick.to != pick.department:
                    await self.reroute(pick)
                await self.claim(pick.conversation_id, pick.agent, pick.to)
                return True
            except Refused:
                continue  # taken or moved meanwhile, or the agent filled up: the next one
        return False

    async def offer(self) -> int:
        """Without auto-assignment: each chat the seat plan (`Routing.picks`) gives to someone
        free of another department moves to that department's queue, keeping its place, and
        its agents are alerted (`handoff`), the visitor told their place. How many moved."""
        moved = 0
        for pick in await self.routing.picks():
            if pick.to == pick.department:
                continue
            try:
                await self.reroute(pick)
            except Refused:
                continue  # taken or moved meanwhile
            moved += 1
            conversation = await self.store.get_conversation(pick.conversation_id)
            if conversation is not None and conversation.owner is Owner.QUEUE:
                await self.notices.waiting(conversation, conversation.department)
        return moved

    async def serve(self) -> None:
        """Free seats are filled (AUTO_ASSIGN) or offered: see `assign` and `offer`."""
        if self.settings.auto_assign:
            await self.assign()
        else:
            await self.offer()

    async def reroute(self, pick: Pick) -> None:
        """A chat waiting where nobody free serves it moves to the department of someone free,
        keeping its place (its score): ahead of everyone who asked later. The visitor is told."""
        await self.make("reroute", pick.conversation_id,
                        Expect((Owner.QUEUE,), department=pick.department),
                        {"department": pick.to}, score=pick.score)
        await self.notices.routed_elsewhere(pick.conversation_id, pick.department, pick.to)
        await self.notices.changed(pick.conversation_id)

    async def claim(
        self, conversation_id: str, agent: Agent, department: str | None = None
    ) -> Conversation:
        """An agent takes a waiting conversation (of `department`, if given: the queue the
        agent saw); exactly one of several racing agents wins."""
        try:
            move = await self.make("claim", conversation_id,
                                   Expect((Owner.QUEUE,), department=department),
                                   {"agent": agent.name}, capacity=agent.capacity)
        except Refused as refused:
            if refused.code == "at_capacity":
                raise Refused("at_capacity", "You already have as many chats as you can take.") from None
            if refused.code == STATE_CHANGED:
                raise Refused("already_taken", "Someone else has already picked up this chat.") from None
            raise
        if move.first_pickup:  # queue wait of this handoff, however it was picked up
            waited = max(0.0, self.clock() - move.before.queued_at)
            metrics.QUEUE_WAIT.observe(waited)
            await self.store.sample("queue_wait", waited)
        await self.notices.joined(conversation_id, agent)
        await self.notices.changed(conversation_id)
        return await self.conversation(conversation_id)

    async def owned_by(self, conversation_id: str, agent: Agent) -> Conversation:
        """The conversation, if this agent may act on it now (its owner, or a supervisor)."""
        conversation = await self.conversation(conversation_id)
        access.check_acts(conversation, agent)
        return conversation

    check_owner = staticmethod(access.check_acts)

    async def left_people(self, before: Conversation) -> None:
        """After a move away from people: update consoles and free the agent (queues are told
        by the announcer, bot/announcer.py)."""
        await self.notices.changed(before.id)
        try:
            await self.remember.conversation(before)
        except Exception as error:  # the move is made: history is a help, not a condition
            log.warning("%s not kept in the history: %s", before.id, error)
        if before.agent:
            await self.released(before.agent, before.id)

    async def released(self, agent_name: str, conversation_id: str) -> None:
        """The agent's seat is free: their console is told, and it is filled or offered
        (`serve`), with the longest-waiting chat anyone free may take."""
        await self.notices.released(agent_name, conversation_id)
        await self.serve()
