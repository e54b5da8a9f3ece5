"""Tags on a conversation: an agent who may see a chat adds or removes one (bot/tags.py says how
a tag is written and how many a chat keeps); every console following the chat sees the change."""

from __future__ import annotations

from .. import tags
from ..errors import Refused
from ..events import Tag
from ..handoff import access
from ..models import Agent
from .desk import Desk, Result, ok


class TagDesk(Desk):
    async def do_tag(self, sid: str, agent: Agent, payload: Tag) -> Result:
        """Add `tag` to the chat (or take it off, `remove`): the chat's tags after."""
        conversation = await self.handoff.conversation(payload.conversation_id)
        access.check_sees(agent, conversation)
        add, remove = ("", payload.tag) if payload.remove else (payload.tag, "")
        after = await self.store.retag(conversation.id, add, remove, tags.MAX_TAGS)
        if after is None:
            raise Refused("unknown_conversation", "There is no such conversation.")
        if add and add not in after:
            raise Refused("too_many_tags", f"A chat keeps at most {tags.MAX_TAGS} tags.")
        if add:
            await self.handoff.remember.tagged(conversation, add)
        await self.handoff.changed(conversation.id)
        return ok(tags=after)
