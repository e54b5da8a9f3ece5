"""`Handoff`: what the rest of the bridge calls. Each public method is one move of the table
(bot/handoff/machine.py), and says what it tells whom; routing, notices and tickets are
delegated to their modules under the names other modules know."""

from __future__ import annotations

import json
import logging

from .. import metrics, wording
from ..errors import Refused
from ..models import Agent, Conversation, Owner, Ticket
from ..store import Expect
from . import access
from .core import Moves
from .request import HandoffRequest
from .responder import WITH_PEOPLE

log = logging.getLogger(__name__)


class Handoff(Moves):
    """The state machine: each public method is one move, and says what it tells whom."""

    # routing and notices, under the names the sweeper, the announcer and the consoles use ------

    async def route(self, department: str) -> tuple[str, bool]:
        return await self.routing.route(department)

    async def online_agents(self) -> list[Agent]:
        return await self.routing.online_agents()

    async def available_agents(self, department: str) -> list[Agent]:
        return await self.routing.available_agents(department)

    async def staffing(self) -> dict[str, int]:
        return await self.routing.staffing()

    def count(self, agents: list[Agent]) -> dict[str, int]:
        return self.routing.count(agents)

    def estimate(self, position: int, agents: int, waited: float = 0.0) -> int:
        return self.routing.estimate(position, agents, waited)

    def why_nobody(self) -> str:
        return self.routing.why_nobody()

    async def changed(self, conversation_id: str) -> None:
        await self.notices.changed(conversation_id)

    async def tell(self, conversation_id: str, text: str, request: HandoffRequest,
                   department: str) -> None:
        await self.notices.tell(conversation_id, text, request, department)

    async def offer_message(self, conversation_id: str, department: str, why: str) -> None:
        await self.notices.offer_message(conversation_id, department, why)

    async def announce_position(self, conversation_id: str, department: str,
                                agents: int | None = None, as_message: bool = False,
                                since: float = 0.0) -> None:
        await self.notices.announce_position(conversation_id, department, agents, as_message,
                                             since)

    async def joined(self, conversation_id: str, agent: Agent) -> None:
        await self.notices.joined(conversation_id, agent)

    async def note(self, conversation_id: str, by: Agent, text: str,
                   transfer_to: str = "") -> None:
        await self.notices.note(conversation_id, by, text, transfer_to)

    # bot -> triage / queue ---------------------------------------------------------------------

    async def request(self, conversation_id: str, request: HandoffRequest) -> bool:
        """The bot hands over. The visitor is told, and picks a department if none is known and
        someone is online; with nobody online at all the chat waits in `general` (or the
        department known) and the visitor is told that once, with the offer of a message.
        False when the bot no longer owns the conversation (someone else moved it first)."""
        await self.remember.previous_agent(conversation_id)  # preferred when free (routing)
        fresh = {"handoff": json.dumps(request.to_dict()), "picked_at": "",
                 "first_response_at": ""}
        department, someone = await self.route(request.department)
        if not someone:  # nobody could take it: asking which department helps nobody
            department = department or "general"
        bot = Expect((Owner.BOT,))
        try:
            if department:
                await self.make("request_routed", conversation_id, bot,
                                {**fresh, **self.waits(department)})
            else:
                await self.make("request", conversation_id, bot, fresh)
        except Refused as refused:
            log.info("handoff of %s not made: %s", conversation_id, refused.code)
            return False
        if someone:
            await self.notices.handing_over(conversation_id, request, department)
        else:
            await self.notices.nobody_online(conversation_id, request, department)
        if department:
            await self.queued(conversation_id, department, asked=request.department,
                              offered=not someone)
        return True

    async def choose_department(self, conversation_id: str, department: str) -> bool:
        """The visitor picked a department (or typed instead: then `general`)."""
        asked = department if department in self.departments else "general"
        department, _ = await self.route(asked)
        try:
            await self.make("choose_department", conversation_id, Expect((Owner.TRIAGE,)),
                            self.waits(department))
        except Refused:
            return False
        await self.queued(conversation_id, department, asked=asked)
        return True

    # agent -> agent / queue / bot / closed -----------------------------------------------------

    async def transfer_to_agent(
        self, conversation_id: str, by: Agent, to: Agent, note: str
    ) -> None:
        """Pass a chat to a colleague, with a note only agents see; the transcript goes along."""
        conversation = await self.owned_by(conversation_id, by)
        if to.name == conversation.agent:
            raise Refused("same_agent", "That agent already has this chat.")
        try:
            await self.make("transfer_to_agent", conversation_id, Expect.now(conversation),
                            {"agent": to.name}, capacity=to.capacity)
        except Refused as refused:
            if refused.code == "at_capacity":
                raise Refused("at_capacity", f"{to.display_name} has no room for another chat.") from None
            raise
        await self.notices.transferred(conversation_id, by, note, to.display_name,
                                       to.display_name)
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
        now = self.clock()
        await self.make("transfer_to_department", conversation_id, Expect.now(conversation),
                        {"department": department, "waiting_since": repr(now)},
                        score=conversation.queued_at or now)
        await self.notices.transferred(conversation_id, by, note, self.departments[department],
                                       department)
        await self.changed(conversation_id)
        await self.released(conversation.agent, conversation_id)
        await self.queued(conversation_id, department)

    async def requeue(self, conversation_id: str, agent_name: str) -> bool:
        """The agent's connection is gone: back to the front of the queue, visitor told; the
        sweeper's timers start again. False (and nothing told) if the chat is no longer that
        agent's."""
        try:
            move = await self.make("requeue", conversation_id,
                                   Expect((Owner.AGENT,), agent=agent_name),
                                   {"waiting_since": repr(self.clock())}, score=0.0)
        except Refused as refused:
            log.info("requeue of %s from %s not made: %s", conversation_id, agent_name,
                     refused.code)
            return False
        agent = await self.store.get_agent(agent_name)
        name = agent.display_name if agent else agent_name
        await self.notices.system(conversation_id, wording.agent_gone(name), requeued=True)
        await self.changed(conversation_id)
        await self.notices.released(agent_name, conversation_id)
        await self.queued(conversation_id, move.before.department)
        return True

    async def hand_back(self, seen: Conversation | str, by: Agent) -> None:
        """A person gives the conversation back to the bot, which answers the next message.
        `seen` is the conversation as the caller checked it (or its id, to read it now)."""
        conversation = await self.read(seen)
        if conversation.owner not in WITH_PEOPLE:
            raise Refused("not_with_people", "The bot already has this chat.")
        if conversation.owner is Owner.AGENT:
            access.check_acts(conversation, by)
        await self.make("hand_back", conversation.id, Expect.now(conversation))
        await self.notices.system(conversation.id, wording.HANDED_BACK, handed_back=True)
        await self.left_people(conversation)

    async def close(self, seen: Conversation | str, by: Agent | None = None) -> None:
        """End the chat: the visitor is told and asked for a one-click rating."""
        conversation = await self.read(seen)
        if conversation.owner is Owner.CLOSED:
            raise Refused("already_closed", "This chat is already closed.")
        if by is not None and conversation.owner is Owner.AGENT:
            access.check_acts(conversation, by)
        await self.make("close", conversation.id, Expect.now(conversation),
                        {"rated_agent": conversation.agent})
        await self.notices.system(conversation.id, wording.CLOSED,
                                  {"buttons": wording.rating_buttons()}, closed=True)
        await self.left_people(conversation)

    async def abandoned(self, seen: Conversation) -> None:
        """The visitor left while waiting and has not come back: the chat leaves the queue,
        closed, with a word for the visitor should they return (writing again reopens it)."""
        if seen.owner is not Owner.QUEUE:
            return
        try:
            await self.make("abandoned", seen.id,
                            Expect((Owner.QUEUE,), department=seen.department))
        except Refused:
            return  # picked up or moved meanwhile
        metrics.ABANDONED.inc()
        await self.store.count("abandoned")
        await self.notices.system(seen.id, wording.ABANDONED, closed=True)
        await self.left_people(seen)

    # closed -> bot, ratings, left messages -----------------------------------------------------

    async def reopen(self, conversation_id: str) -> bool:
        """A visitor writes into a closed conversation: the bot answers again."""
        try:
            await self.make("reopen", conversation_id, Expect((Owner.CLOSED,)),
                            {"rated_agent": ""})  # a later close says whose chat it was
        except Refused:
            return False
        await self.changed(conversation_id)
        return True

    async def rate(self, conversation_id: str, rating: str) -> None:
        """The visitor's click after a close: one of `wording.RATINGS`, one per conversation,
        counted for Insights under its department and the person who had the chat."""
        if rating not in wording.RATINGS:
            return
        conversation = await self.conversation(conversation_id)
        if not await self.store.rate(conversation_id, conversation.department,
                                     conversation.rated_agent, rating):
            return  # rated already: the first rating stays
        await self.store.update_conversation(conversation_id, rating=rating)
        await self.notices.system(conversation_id, wording.THANKS_FOR_RATING)
        await self.changed(conversation_id)

    async def leave_message(self, conversation_id: str, name: str, email: str, text: str) -> Ticket:
        """Nobody could answer live: keep the message as a ticket (bot/handoff/tickets.py). A
        chat still waiting for a person is closed first (it is answered by email now). Refused
        (`with_person`, nothing kept) while a person answers the chat live: a ticket beside a
        live chat would be answered twice. A retry of the same message gets the same ticket."""
        if earlier := await self.tickets.earlier(conversation_id, email, text):
            return earlier
        conversation = await self.conversation(conversation_id)
        moved = conversation.owner in (Owner.TRIAGE, Owner.QUEUE)
        if moved:
            try:
                await self.make("leave_message", conversation_id, Expect.now(conversation))
            except Refused:  # moved meanwhile: picked up (refused below), handed back, closed
                conversation = await self.conversation(conversation_id)
                moved = False
        if conversation.owner is Owner.AGENT:
            raise Refused("with_person", wording.WITH_PERSON)
        ticket = await self.tickets.keep(conversation, name, email, text)
        await self.remember.ticket(conversation, ticket)
        if moved:
            await self.left_people(conversation)
        await self.tickets.tell(ticket)
        await self.tickets.announce(ticket)
        return ticket
