"""What the visitor and the agents are told after a move: only what happened, and the truth."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from .. import wording
from ..models import Agent, Conversation, Sender
from ..relay import SUPERVISORS, Relay, agent_room, department_room
from ..reply_times import ReplyTimes
from ..store import Store
from .request import HandoffRequest
from .routing import Routing


class Notices:
    """The system messages of the visitor's transcript and the events of agents' consoles."""

    def __init__(self, store: Store, relay: Relay, routing: Routing,
                 departments: Mapping[str, str], clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.relay = relay
        self.routing = routing
        self.departments = departments
        self.reply_times = ReplyTimes(store)  # "we usually reply within ..." when nobody is on

    async def system(self, conversation_id: str, text: str, data: dict[str, Any] | None = None,
                     **custom: Any) -> None:
        """A system message to the visitor (and the consoles following), `custom`: its facts."""
        data = {**(data or {}), **({"custom": custom} if custom else {})}
        await self.relay.post(conversation_id, Sender.SYSTEM, text, data)

    async def changed(self, conversation_id: str) -> None:
        """Tell every console following the conversation its new state (owner, agent...); those
        that may no longer see it stop following it, on every bridge (`Relay.moved`)."""
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is not None:
            await self.relay.moved(
                conversation, "conversation", {"conversation": conversation.summary(self.clock())}
            )

    async def handing_over(self, conversation_id: str, request: HandoffRequest,
                           department: str) -> None:
        """"I'm passing you to a person" (someone can answer). With no department yet, the
        visitor is asked to pick one."""
        await self.tell(conversation_id, wording.HANDOFF[request.reason], request, department)
        if not department:
            await self.system(conversation_id, wording.CHOOSE_DEPARTMENT,
                              {"buttons": wording.department_buttons(self.departments)})

    async def nobody_online(self, conversation_id: str, request: HandoffRequest,
                            department: str) -> None:
        """Nobody who could answer is online at all: one message says so (when people are back,
        or how soon they usually reply) and offers to leave a message; no department question,
        no "passing you to a person", no second offer when the chat joins its queue."""
        why = self.routing.why_nobody()
        text = wording.nobody_online(why, request.reason,
                                     str(self.routing.hours().get("back") or ""),
                                     await self.reply_times.usual())
        await self.system(conversation_id, text, {"buttons": [wording.leave_message_button()]},
                          handoff={"reason": request.reason, "department": department},
                          leave_message=why)

    async def tell(self, conversation_id: str, text: str, request: HandoffRequest,
                   department: str) -> None:
        await self.system(conversation_id, text,
                          handoff={"reason": request.reason, "department": department})

    async def routed_elsewhere(self, conversation_id: str, asked: str, department: str) -> None:
        await self.system(conversation_id,
                          wording.routed_elsewhere(asked, department, self.departments))

    async def waiting(self, conversation: Conversation, department: str,
                      offered: bool = False) -> None:
        """A chat waits in a queue: the department's agents (and supervisors) are alerted, the
        visitor hears their place, or, when nobody can answer, is offered to leave a message
        (unless `offered` already, by `nobody_online`)."""
        await self.relay.to_agents(
            [department_room(department), SUPERVISORS], "handoff",
            {"conversation": conversation.summary(self.clock())},
        )
        agents = (await self.routing.staffing()).get(department, 0)
        if agents:
            await self.announce_position(conversation.id, department, agents, as_message=True)
        elif not offered:
            await self.offer_message(conversation.id, department, self.routing.why_nobody())

    async def offer_message(self, conversation_id: str, department: str, why: str) -> None:
        await self.system(
            conversation_id,
            wording.nobody_available(department, why, self.departments,
                                     str(self.routing.hours().get("back") or "")),
            {"buttons": [wording.leave_message_button()]}, leave_message=why,
        )

    async def announce_position(self, conversation_id: str, department: str,
                                agents: int | None = None, as_message: bool = False,
                                since: float = 0.0) -> None:
        """The visitor's place and wait now (`agents`: who can answer, if already known;
        `since`: when the chat entered the queue, if it waited already)."""
        position = await self.store.queue_position(conversation_id, department)
        if position is None:
            return
        if agents is None:
            agents = (await self.routing.staffing()).get(department, 0)
        waited = max(0.0, self.clock() - since) if since else 0.0
        payload = self.routing.place(position, agents, department, waited)
        await self.relay.to_visitor(conversation_id, "queue_position", payload)
        if as_message:
            await self.system(conversation_id, wording.waiting(position, payload["eta_seconds"]),
                              queue=payload)

    async def joined(self, conversation_id: str, agent: Agent) -> None:
        await self.system(conversation_id, wording.joined(agent.display_name),
                          {"agent_name": agent.display_name}, agent_joined=agent.display_name)
        await self.relay.to_agents(
            agent_room(agent.name), "assigned", {"conversation_id": conversation_id}
        )

    async def transferred(self, conversation_id: str, by: Agent, note: str, title: str,
                          to: str) -> None:
        """The note for agents, then the visitor's word (`title`: whom to; `to`: the fact)."""
        await self.note(conversation_id, by, note, transfer_to=title)
        await self.system(conversation_id, wording.transferred(title), transfer={"to": to})

    async def note(self, conversation_id: str, by: Agent, text: str,
                   transfer_to: str = "") -> None:
        """An internal note: stored in the transcript, shown to agents, never to the visitor."""
        if not text and not transfer_to:
            return
        data = {"agent_name": by.display_name}
        if transfer_to:
            data["transfer_to"] = transfer_to
        await self.relay.post(conversation_id, Sender.NOTE, text, data)

    async def released(self, agent_name: str, conversation_id: str) -> None:
        """The agent's console: this chat is no longer theirs."""
        await self.relay.to_agents(
            agent_room(agent_name), "released", {"conversation_id": conversation_id}
        )
