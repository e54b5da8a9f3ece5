"""What an agent sees: who they are, the queues they serve, a conversation's transcript,
colleagues for transfers; and their own presence."""

from __future__ import annotations

import time
from typing import Any

from .. import teaching
from ..errors import Refused
from ..events import AgentHistory, ConversationEvent, Event, PresenceChange, Queue
from ..handoff import access
from ..models import Agent, Presence
from .desk import Desk, Result, ok

QUEUE_PAGE = 50  # waiting chats per `queue` answer (and per department in `hello`)


class ChatDesk(Desk):
    async def do_hello(self, sid: str, agent: Agent, payload: Event) -> Result:
        """Who am I, my open chats, the queues I serve, departments, whether I may teach."""
        departments = access.departments_of(agent, self.departments)
        queues = {d: await self.waiting(d) for d in departments}
        presence = (await self.store.presences()).get(agent.name, Presence.ONLINE)
        return ok(
            agent=agent.public(), presence=presence.value, departments=self.departments,
            chats=sorted(await self.store.agent_chats(agent.name)), queues=queues,
            teach=access.may_teach(agent, self.settings.teach_agents),
            topics=teaching.topics(self.settings.site),
        )

    async def waiting(self, department: str, offset: int = 0,
                      limit: int = QUEUE_PAGE) -> list[dict[str, Any]]:
        """A page of a department's queue, in queue order (who is picked up first)."""
        now = time.time()
        ids = await self.store.queue(department, offset, limit)
        return [c.summary(now) for c in await self.store.get_conversations(ids)]

    async def do_queue(self, sid: str, agent: Agent, payload: Queue) -> Result:
        department, offset = payload.department or agent.department, payload.offset
        access.check_serves(agent, department, self.departments)
        waiting = await self.waiting(department, offset)
        length = await self.store.queue_length(department)
        return ok(department=department, waiting=waiting, length=length,
                  more=offset + QUEUE_PAGE < length)

    async def do_open(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        """Follow a conversation live (this connection) and get its whole transcript."""
        conversation = await self.follow(sid, agent, payload.conversation_id)
        return await self.full(conversation)

    async def do_leave(self, sid: str, agent: Agent, payload: ConversationEvent) -> Result:
        await self.relay.unfollow(sid, payload.conversation_id)
        return ok()

    async def do_history(self, sid: str, agent: Agent, payload: AgentHistory) -> Result:
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        try:
            if payload.before is not None:
                page = await self.store.page_before(conversation.id, payload.before)
            else:
                page = await self.store.page_after(conversation.id, payload.after)
        except ValueError as error:
            raise Refused("invalid_message_id", str(error)) from None
        return ok(messages=[self.relay.entry(conversation.id, m) for m in page.messages],
                  more=page.more)

    async def do_agents(self, sid: str, agent: Agent, payload: Event) -> Result:
        """Colleagues with presence and load, for transfers."""
        agents = await self.store.agents()
        presences = await self.store.presences()
        connected = await self.store.connected(a.name for a in agents)
        loads = await self.store.agent_loads(a.name for a in agents)
        listing = []
        for other in agents:
            presence = presences.get(other.name, Presence.OFFLINE)
            listing.append({
                **other.public(),
                "presence": presence.value if other.name in connected else "offline",
                "chats": loads[other.name],
            })
        return ok(agents=listing)

    async def do_presence(self, sid: str, agent: Agent, payload: PresenceChange) -> Result:
        presence = payload.status
        await self.store.set_presence(agent.name, presence)
        if presence is Presence.ONLINE and self.settings.auto_assign:
            await self.handoff.assign(agent.department)
        return ok(presence=presence.value)
