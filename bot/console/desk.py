"""What every desk of the console shares: the bridge's parts, and following a conversation."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from ..config import Settings
from ..handoff import Handoff, access
from ..models import Agent, Conversation
from ..relay import Relay
from ..store import Store

Result = dict[str, Any]
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Result]])


def ok(**fields: Any) -> Result:
    return {"ok": True, **fields}


def refused(code: str, message: str) -> Result:
    return {"ok": False, "error": {"code": code, "message": message}}


def acknowledged(handler: Handler) -> Handler:
    """An agent event whose acknowledgement tells the agent "done" (a claim, a transfer, a
    close): answered once its writes are durable (`Store.durable`: on REDIS_MIN_REPLICAS
    replicas), else `unavailable`, and the agent retries."""

    @functools.wraps(handler)
    async def durable(self: Desk, *args: Any) -> Result:
        result = await handler(self, *args)
        await self.store.durable()
        return result

    return cast(Handler, durable)


class Desk:
    """A group of agent events. Each `do_<event>(sid, agent, payload)` answers one event, its
    payload already read as its model in `events.AGENT` and the agent signed in."""

    def __init__(self, store: Store, relay: Relay, handoff: Handoff, settings: Settings) -> None:
        self.store = store
        self.relay = relay
        self.handoff = handoff
        self.settings = settings
        self.departments = settings.site.department_titles

    async def full(self, conversation: Conversation) -> Result:
        """Everything an agent needs on pick-up: nobody asks the visitor to repeat themselves."""
        summary = conversation.summary(time.time())
        page = await self.store.page_before(conversation.id)  # the latest page
        return ok(conversation=summary, earlier=page.more,
                  messages=[self.relay.entry(conversation.id, m) for m in page.messages],
                  read=await self.store.read_marks(conversation.id))

    async def follow(self, sid: str, agent: Agent, conversation_id: str) -> Conversation:
        """Follow a conversation live (this connection) if the agent may see it; checked again
        once following, so a move meanwhile (whose followers are checked when it is told,
        `Relay.moved`) cannot leave this connection in its room."""
        access.check_sees(agent, await self.handoff.conversation(conversation_id))
        await self.relay.follow(sid, conversation_id)
        conversation = await self.handoff.conversation(conversation_id)
        if not access.may_see(agent, conversation):
            await self.relay.unfollow(sid, conversation_id)
            access.check_sees(agent, conversation)  # the refusal
        return conversation
