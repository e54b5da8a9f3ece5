"""Who answers a conversation now: the bot, a queue, or a person. Read top to bottom.

A conversation starts owned by the BOT. When the assistant hands over (or Rasa cannot answer),
it goes to TRIAGE if nobody knows the department yet (the visitor picks one with a click), then
to that department's QUEUE. An AGENT claims it from the queue, by hand or by auto-assignment; the
agent may transfer it to a colleague (AGENT) or a department (QUEUE), hand it back to the BOT, or
close it. If the agent's connection is gone for longer than the grace period the conversation
goes back to the front of its queue. A CLOSED conversation reopens with the bot when the visitor
writes again. Every move is one atomic compare-and-set in the store, so two bridge processes or
two agents racing for the same conversation cannot both win. Each move names the state it
expects (owner, agent, department as the mover saw them); if the conversation moved meanwhile,
the move changes nothing, posts nothing and is refused as `state_changed`. Only a move that
happened is told: the visitor and the agents learn what happened, and nobody is told anything
false.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from collections.abc import Collection
from typing import Any

from . import hours, metrics, wording
from .config import Settings
from .errors import STATE_CHANGED, Refused
from .models import Agent, Conversation, Owner, Presence, Role, Sender, Ticket
from .relay import SUPERVISORS, Relay, agent_room, department_room
from .storage import Expect, Move, Outcome, Store

log = logging.getLogger(__name__)

# The only moves there are: owner now -> owners it may pass the conversation to.
TRANSITIONS: dict[Owner, frozenset[Owner]] = {
    Owner.BOT: frozenset({Owner.TRIAGE, Owner.QUEUE, Owner.CLOSED}),
    Owner.TRIAGE: frozenset({Owner.QUEUE, Owner.BOT, Owner.CLOSED}),
    Owner.QUEUE: frozenset({Owner.AGENT, Owner.QUEUE, Owner.BOT, Owner.CLOSED}),
    Owner.AGENT: frozenset({Owner.AGENT, Owner.QUEUE, Owner.BOT, Owner.CLOSED}),
    Owner.CLOSED: frozenset({Owner.BOT}),
}

REASONS = ("requested", "low_confidence", "out_of_scope", "bot_unavailable", "frustrated")

# Owners in which a person (not the bot) is responsible for answering the visitor.
WITH_PEOPLE = (Owner.TRIAGE, Owner.QUEUE, Owner.AGENT)


def sources(to: Owner) -> list[Owner]:
    """The owners that may hand a conversation to `to`."""
    return [owner for owner, targets in TRANSITIONS.items() if to in targets]


@dataclass
class HandoffRequest:
    """Why the bot is handing over, and what it guessed: everything the agent will see."""

    reason: str
    confidence: float = 0.0
    intent_ranking: list[dict[str, Any]] | None = None
    department: str = ""
    text: str = ""

    @classmethod
    def from_signal(cls, signal: dict[str, Any], departments: Collection[str]) -> "HandoffRequest":
        """Read the custom payload of Rasa's `action_handoff`; an unknown department is dropped."""
        reason = str(signal.get("reason") or "requested")
        ranking = signal.get("intent_ranking") or []
        department = str(signal.get("department") or "")
        return cls(
            reason=reason if reason in REASONS else "requested",
            confidence=float(signal.get("confidence") or 0.0),
            intent_ranking=[
                {"name": str(i.get("name")), "confidence": float(i.get("confidence") or 0)}
                for i in ranking
                if isinstance(i, dict)
            ][:5],
            department=department if department in departments else "",
            text=str(signal.get("text") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "confidence": self.confidence,
            "intent_ranking": self.intent_ranking or [],
            "department": self.department,
            "text": self.text,
        }


class Handoff:
    """The state machine: each public method is one move, and says what it tells whom."""

    def __init__(self, store: Store, relay: Relay, settings: Settings) -> None:
        self.store = store
        self.relay = relay
        self.settings = settings
        self.departments = settings.site.department_titles  # key -> title, from the site pack

    async def conversation(self, conversation_id: str) -> Conversation:
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            raise Refused("unknown_conversation", "There is no such conversation.")
        return conversation

    async def move(
        self, conversation_id: str, expect: Expect, to: Owner, *,
        capacity: int | None = None, score: float | None = None, **fields: str,
    ) -> Move:
        """One atomic move; refused (nothing changed, nothing told) unless it happened."""
        assert to in TRANSITIONS and all(to in TRANSITIONS[o] for o in expect.owners), (expect, to)
        move = await self.store.transition(
            conversation_id, expect, to, capacity=capacity, score=score, **fields
        )
        if move.outcome is Outcome.MISSING:
            raise Refused("unknown_conversation", "There is no such conversation.")
        if move.outcome is Outcome.FULL:
            raise Refused("at_capacity", "That agent has no room for another chat.")
        if move.outcome is Outcome.STALE:
            raise Refused(STATE_CHANGED, "This chat changed hands meanwhile; it has been updated.")
        return move

    async def changed(self, conversation_id: str) -> None:
        """Tell every console following the conversation its new state (owner, agent...); those
        that may no longer see it stop following it, on every bridge (`Relay.moved`)."""
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is not None:
            await self.relay.moved(
                conversation, "conversation", {"conversation": conversation.summary(time.time())}
            )

    # bot -> triage / queue ---------------------------------------------------------------------

    async def request(self, conversation_id: str, request: HandoffRequest) -> bool:
        """The bot hands over. The visitor is told, and picks a department if none is known.
        False when the bot no longer owns the conversation (someone else moved it first)."""
        handoff = json.dumps(request.to_dict())
        fresh = {"handoff": handoff, "picked_at": "", "first_response_at": ""}
        department, someone = await self.route(request.department)
        try:
            if not department:
                await self.move(conversation_id, Expect((Owner.BOT,)), Owner.TRIAGE, **fresh)
            else:
                now = repr(time.time())
                await self.move(
                    conversation_id, Expect((Owner.BOT,)), Owner.QUEUE,
                    department=department, queued_at=now, waiting_since=now, **fresh,
                )
        except Refused as refused:
            log.info("handoff of %s not made: %s", conversation_id, refused.code)
            return False
        # "I'm passing you to a person" only when someone can answer; otherwise the truth.
        text = wording.HANDOFF[request.reason] if someone else wording.NOBODY_TO_PASS_TO.get(
            request.reason, wording.NOBODY_TO_PASS_TO_ANY)
        await self.tell(conversation_id, text, request, department)
        if not department:
            await self.relay.post(
                conversation_id, Sender.SYSTEM, wording.CHOOSE_DEPARTMENT,
                {"buttons": wording.department_buttons(self.departments)},
            )
        else:
            await self.queued(conversation_id, department, asked=request.department)
        return True

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

    async def tell(self, conversation_id: str, text: str, request: HandoffRequest,
                   department: str) -> None:
        custom = {"handoff": {"reason": request.reason, "department": department}}
        await self.relay.post(conversation_id, Sender.SYSTEM, text, {"custom": custom})

    async def choose_department(self, conversation_id: str, department: str) -> bool:
        """The visitor picked a department (or typed instead: then `general`)."""
        asked = department if department in self.departments else "general"
        department, _ = await self.route(asked)
        now = repr(time.time())
        try:
            await self.move(
                conversation_id, Expect((Owner.TRIAGE,)), Owner.QUEUE,
                department=department, queued_at=now, waiting_since=now,
            )
        except Refused:
            return False
        await self.queued(conversation_id, department, asked=asked)
        return True

    async def queued(self, conversation_id: str, department: str, asked: str = "") -> None:
        """A conversation joined a queue: try to assign it; if nobody took it, tell the visitor
        the truth and alert the department's agents (and supervisors) once each. `asked`: the
        department the visitor or the bot chose, when routing sent the chat elsewhere."""
        await self.changed(conversation_id)
        if asked and asked != department:
            await self.relay.post(conversation_id, Sender.SYSTEM,
                                  wording.routed_elsewhere(asked, department, self.departments))
        if self.settings.auto_assign:
            await self.assign(department)
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is not None and conversation.owner is Owner.QUEUE:  # still waiting
            await self.relay.to_agents(
                [department_room(department), SUPERVISORS], "handoff",
                {"conversation": conversation.summary(time.time())},
            )
            agents = (await self.staffing()).get(department, 0)
            if agents:
                await self.announce_position(conversation_id, department, agents, as_message=True)
            else:
                await self.offer_message(conversation_id, department, self.why_nobody())

    def why_nobody(self) -> str:
        """Why no person can answer (when `staffing` says nobody can)."""
        if not hours.is_open(self.settings.business_hours, self.settings.business_timezone):
            return "closed_hours"
        return "no_agent"

    async def offer_message(self, conversation_id: str, department: str, why: str) -> None:
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.nobody_available(department, why, self.departments),
            {"buttons": [wording.leave_message_button()], "custom": {"leave_message": why}},
        )

    # queue positions and agents ----------------------------------------------------------------

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
        if not hours.is_open(self.settings.business_hours, self.settings.business_timezone):
            return dict.fromkeys(self.departments, 0)
        return {d: sum(a.department == d or a.role is Role.SUPERVISOR for a in agents)
                for d in self.departments}

    def estimate(self, position: int, agents: int) -> int:
        """Seconds until a person picks up the chat at `position`, with `agents` answering."""
        return int(position * self.settings.avg_handle_seconds / max(1, agents))

    async def announce_position(self, conversation_id: str, department: str,
                                agents: int | None = None, as_message: bool = False) -> None:
        """The visitor's place and wait now (`agents`: who can answer, if already known)."""
        position = await self.store.queue_position(conversation_id, department)
        if position is None:
            return
        if agents is None:
            agents = (await self.staffing()).get(department, 0)
        eta = self.estimate(position, agents) if agents else None  # none when nobody can answer
        payload = {"position": position, "eta_seconds": eta, "department": department}
        await self.relay.to_visitor(conversation_id, "queue_position", payload)
        if as_message:
            await self.relay.post(
                conversation_id, Sender.SYSTEM,
                wording.waiting(position, eta), {"custom": {"queue": payload}},
            )

    async def assign(self, department: str) -> bool:
        """Auto-assign the longest-waiting chat to the least-busy online agent with room."""
        waiting = await self.store.queue(department)
        if not waiting:
            return False
        agents = await self.available_agents(department)
        loads = await self.store.agent_loads(a.name for a in agents)
        for agent in sorted(agents, key=lambda a: (loads[a.name] / max(a.capacity, 1), a.name)):
            if loads[agent.name] >= agent.capacity:
                continue
            for conversation_id in waiting:
                try:
                    await self.claim(conversation_id, agent, department)
                    return True
                except Refused:
                    continue
        return False

    # queue -> agent ----------------------------------------------------------------------------

    async def claim(
        self, conversation_id: str, agent: Agent, department: str | None = None
    ) -> Conversation:
        """An agent takes a waiting conversation (of `department`, if given: the queue the
        agent saw); exactly one of several racing agents wins."""
        try:
            move = await self.move(
                conversation_id, Expect((Owner.QUEUE,), department=department), Owner.AGENT,
                capacity=agent.capacity, agent=agent.name,
            )
        except Refused as refused:
            if refused.code == "at_capacity":
                raise Refused("at_capacity", "You already have as many chats as you can take.")
            if refused.code == STATE_CHANGED:
                raise Refused("already_taken", "Someone else has already picked up this chat.")
            raise
        if move.first_pickup:  # queue wait of this handoff, however it was picked up
            waited = max(0.0, time.time() - move.before.queued_at)
            metrics.QUEUE_WAIT.observe(waited)
            await self.store.sample("queue_wait", waited)
        await self.joined(conversation_id, agent)
        await self.changed(conversation_id)
        return await self.conversation(conversation_id)

    async def joined(self, conversation_id: str, agent: Agent) -> None:
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.joined(agent.display_name),
            {"agent_name": agent.display_name, "custom": {"agent_joined": agent.display_name}},
        )
        await self.relay.to_agents(
            agent_room(agent.name), "assigned", {"conversation_id": conversation_id}
        )

    async def owned_by(self, conversation_id: str, agent: Agent) -> Conversation:
        """The conversation, if this agent may act on it now (its owner, or a supervisor)."""
        conversation = await self.conversation(conversation_id)
        self.check_owner(conversation, agent)
        return conversation

    @staticmethod
    def check_owner(conversation: Conversation, agent: Agent) -> None:
        if conversation.owner is not Owner.AGENT:
            raise Refused("not_assigned", "This chat is not assigned to anyone.")
        if conversation.agent != agent.name and agent.role is not Role.SUPERVISOR:
            raise Refused("not_yours", "This chat belongs to someone else.")

    # agent -> agent / queue / bot / closed -----------------------------------------------------

    async def transfer_to_agent(
        self, conversation_id: str, by: Agent, to: Agent, note: str
    ) -> None:
        """Pass a chat to a colleague, with a note only agents see; the transcript goes along."""
        conversation = await self.owned_by(conversation_id, by)
        if to.name == conversation.agent:
            raise Refused("same_agent", "That agent already has this chat.")
        try:
            await self.move(
                conversation_id, Expect.now(conversation), Owner.AGENT,
                capacity=to.capacity, agent=to.name,
            )
        except Refused as refused:
            if refused.code == "at_capacity":
                raise Refused("at_capacity", f"{to.display_name} has no room for another chat.")
            raise
        await self.note(conversation_id, by, note, transfer_to=to.display_name)
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.transferred(to.display_name),
            {"custom": {"transfer": {"to": to.display_name}}},
        )
        await self.joined(conversation_id, to)
        await self.changed(conversation_id)
        await self.released(conversation.agent, conversation_id)

    async def transfer_to_department(
        self, conversation_id: str, by: Agent, department: str, note: str
    ) -> None:
        conversation = await self.owned_by(conversation_id, by)
        if department not in self.departments:
            raise Refused("unknown_department", "There is no such department.")
        # `queued_at` and `picked_at` stay (the handoff's first wait, sampled once); the
        # sweeper's timers count from `waiting_since`, now, so nothing fires at once. The chat
        # takes its place by when the visitor first asked for a person (`queued_at`): ahead of
        # those who asked later, so time spent with the first agent costs it no place.
        now = time.time()
        await self.move(
            conversation_id, Expect.now(conversation), Owner.QUEUE,
            agent="", department=department, waiting_since=repr(now),
            score=conversation.queued_at or now,
        )
        await self.note(conversation_id, by, note, transfer_to=self.departments[department])
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.transferred(self.departments[department]),
            {"custom": {"transfer": {"to": department}}},
        )
        await self.changed(conversation_id)
        await self.released(conversation.agent, conversation_id)
        await self.queued(conversation_id, department)

    async def requeue(self, conversation_id: str, agent_name: str) -> bool:
        """The agent's connection is gone: back to the front of the queue, visitor told; the
        sweeper's timers start again. False (and nothing told) if the chat is no longer that
        agent's."""
        try:
            move = await self.move(
                conversation_id, Expect((Owner.AGENT,), agent=agent_name), Owner.QUEUE,
                agent="", score=0.0, waiting_since=repr(time.time()),
            )
        except Refused as refused:
            log.info("requeue of %s from %s not made: %s", conversation_id, agent_name,
                     refused.code)
            return False
        agent = await self.store.get_agent(agent_name)
        name = agent.display_name if agent else agent_name
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.agent_gone(name), {"custom": {"requeued": True}}
        )
        await self.changed(conversation_id)
        await self.relay.to_agents(
            agent_room(agent_name), "released", {"conversation_id": conversation_id}
        )
        await self.queued(conversation_id, move.before.department)
        return True

    async def hand_back(self, seen: Conversation | str, by: Agent) -> None:
        """A person gives the conversation back to the bot, which answers the next message.
        `seen` is the conversation as the caller checked it (or its id, to read it now)."""
        conversation = await self.read(seen)
        if conversation.owner not in WITH_PEOPLE:
            raise Refused("not_with_people", "The bot already has this chat.")
        if conversation.owner is Owner.AGENT:
            self.check_owner(conversation, by)
        await self.move(conversation.id, Expect.now(conversation), Owner.BOT, agent="")
        await self.relay.post(
            conversation.id, Sender.SYSTEM, wording.HANDED_BACK, {"custom": {"handed_back": True}}
        )
        await self.left_people(conversation)

    async def close(self, seen: Conversation | str, by: Agent | None = None) -> None:
        """End the chat: the visitor is told and asked for a one-click rating."""
        conversation = await self.read(seen)
        if conversation.owner is Owner.CLOSED:
            raise Refused("already_closed", "This chat is already closed.")
        if by is not None and conversation.owner is Owner.AGENT:
            self.check_owner(conversation, by)
        await self.move(conversation.id, Expect.now(conversation), Owner.CLOSED, agent="")
        await self.relay.post(
            conversation.id, Sender.SYSTEM, wording.CLOSED,
            {"buttons": wording.rating_buttons(), "custom": {"closed": True}},
        )
        await self.left_people(conversation)

    async def abandoned(self, seen: Conversation) -> None:
        """The visitor left while waiting and has not come back: the chat leaves the queue,
        closed, with a word for the visitor should they return (writing again reopens it)."""
        if seen.owner is not Owner.QUEUE:
            return
        try:
            await self.move(seen.id, Expect((Owner.QUEUE,), department=seen.department),
                            Owner.CLOSED, agent="")
        except Refused:
            return  # picked up or moved meanwhile
        metrics.ABANDONED.inc()
        await self.store.count("abandoned")
        await self.relay.post(seen.id, Sender.SYSTEM, wording.ABANDONED, {"custom": {"closed": True}})
        await self.left_people(seen)

    async def read(self, seen: Conversation | str) -> Conversation:
        return seen if isinstance(seen, Conversation) else await self.conversation(seen)

    async def left_people(self, before: Conversation) -> None:
        """After a move away from people: update consoles and free the agent (queues are told
        by the announcer, bot/announcer.py)."""
        await self.changed(before.id)
        if before.agent:
            await self.released(before.agent, before.id)

    async def released(self, agent_name: str, conversation_id: str) -> None:
        await self.relay.to_agents(
            agent_room(agent_name), "released", {"conversation_id": conversation_id}
        )
        agent = await self.store.get_agent(agent_name)
        if agent and self.settings.auto_assign:
            await self.assign(agent.department)

    # closed -> bot, ratings, notes, left messages ----------------------------------------------

    async def reopen(self, conversation_id: str) -> bool:
        """A visitor writes into a closed conversation: the bot answers again."""
        try:
            await self.move(conversation_id, Expect((Owner.CLOSED,)), Owner.BOT, agent="")
        except Refused:
            return False
        await self.changed(conversation_id)
        return True

    async def rate(self, conversation_id: str, rating: str) -> None:
        await self.store.update_conversation(conversation_id, rating=rating)
        await self.relay.post(conversation_id, Sender.SYSTEM, wording.THANKS_FOR_RATING)
        await self.changed(conversation_id)

    async def note(
        self, conversation_id: str, by: Agent, text: str, transfer_to: str = ""
    ) -> None:
        """An internal note: stored in the transcript, shown to agents, never to the visitor."""
        if not text and not transfer_to:
            return
        data = {"agent_name": by.display_name}
        if transfer_to:
            data["transfer_to"] = transfer_to
        await self.relay.post(conversation_id, Sender.NOTE, text, data)

    async def leave_message(self, conversation_id: str, name: str, email: str, text: str) -> Ticket:
        """Nobody could answer live: keep the message as a ticket that refers to the
        conversation (its transcript is read from there, a page at a time). A chat still
        waiting for a person is closed (it is answered by email now)."""
        conversation = await self.conversation(conversation_id)
        ticket = Ticket(
            id=secrets.token_hex(8), conversation_id=conversation_id, name=name, email=email,
            message=text, department=conversation.department or "general",
            created_at=time.time(),
        )
        await self.store.save_ticket(ticket)
        await self.store.update_conversation(conversation_id, email=email)  # for transcripts
        await self.relay.post(
            conversation_id, Sender.SYSTEM, wording.MESSAGE_LEFT.format(email=email),
            {"custom": {"ticket": ticket.id}},
        )
        if conversation.owner in (Owner.TRIAGE, Owner.QUEUE):
            try:
                await self.move(conversation_id, Expect.now(conversation), Owner.CLOSED)
                await self.left_people(conversation)
            except Refused:  # picked up meanwhile: the person answers live, the ticket stays
                pass
        summary = {"id": ticket.id, "department": ticket.department, "name": name}
        await self.relay.to_agents(
            [department_room(ticket.department), SUPERVISORS], "ticket", summary
        )
        return ticket
