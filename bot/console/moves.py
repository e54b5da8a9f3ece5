"""What an agent does to a conversation: claim, reply, type, note, transfer, hand back, close.
The moves themselves, and who may make them, are the handoff's (bot/handoff/)."""

from __future__ import annotations

from .. import metrics, protocol, receipts
from ..errors import Refused
from ..events import AgentRead, AgentTyping, ConversationEvent, Note, Reply, Transfer
from ..handoff import access
from ..models import Agent, Owner, Sender
from ..store import NotOwner
from .desk import Desk, Result, acknowledged, ok


class MoveDesk(Desk):
    @acknowledged
    async def do_claim(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation_id = payload.conversation_id
        conversation = await self.follow(sid, agent, conversation_id)
        if conversation.owner is Owner.AGENT and conversation.agent == agent.name:
            return await self.full(conversation)  # a retry (its answer lost, or `unavailable`)
        claimed = await self.handoff.claim(conversation_id, agent, conversation.department)
        return await self.full(claimed)

    async def do_reply(self, sid: str, agent: Agent, payload: Reply) -> Result:
        conversation_id = payload.conversation_id
        text, client_id = protocol.safe_links(payload.text), payload.message_id
        try:
            appended = await self.relay.post(
                conversation_id, Sender.AGENT, text, {"agent_name": agent.display_name},
                client_id, guard=access.reply_guard(agent), resend=payload.resend,
            )
        except NotOwner as error:
            if error.conversation is None:
                raise Refused("unknown_conversation", "There is no such conversation.") from None
            access.check_acts(error.conversation, agent)  # raises the precise refusal
            raise
        stored, conversation = appended.message, appended.conversation
        if appended.first_response:  # set atomically by the store, once per handoff
            first = max(0.0, stored.ts - conversation.queued_at)
            metrics.FIRST_RESPONSE.observe(first)
            await self.store.sample("first_response", first)
        return ok(id=stored.id, duplicate=not appended.new)

    async def do_typing(self, sid: str, agent: Agent, payload: AgentTyping) -> Result:
        conversation_id = payload.conversation_id
        await self.handoff.owned_by(conversation_id, agent)
        await self.relay.to_visitor(
            conversation_id, "agent_typing",
            {"on": payload.on, "agent_name": agent.display_name},
        )
        return ok()

    async def do_read(self, sid: str, agent: Agent, payload: AgentRead) -> Result:
        """The agent who has the chat read up to a message: the visitor sees "Seen"."""
        await self.handoff.owned_by(payload.conversation_id, agent)
        moved = await receipts.read(self.store, self.relay, payload.conversation_id, "agent",
                                    payload.message_id)
        return ok(moved=moved)

    async def do_note(self, sid: str, agent: Agent, payload: Note) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.note(conversation.id, agent, payload.text)
        return ok()

    @acknowledged
    async def do_transfer(self, sid: str, agent: Agent, payload: Transfer) -> Result:
        conversation_id, note = payload.conversation_id, payload.note
        if payload.to_agent:
            target = await self.store.get_agent(payload.to_agent)
            if target is None:
                raise Refused("unknown_agent", "There is no such agent.")
            await self.handoff.transfer_to_agent(conversation_id, agent, target, note)
        else:  # the model makes sure there is one or the other
            await self.handoff.transfer_to_department(
                conversation_id, agent, payload.department, note
            )
        return ok()

    @acknowledged
    async def do_hand_back(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.hand_back(conversation, agent)  # refused if it moved since the check
        return ok()

    @acknowledged
    async def do_close(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        await self.handoff.close(conversation, agent)  # refused if it moved since the check
        return ok()
