"""Conversations in memory: records and the one transition (as the Redis transition script)."""

from __future__ import annotations

from ...models import Conversation, Owner
from .. import Expect, Move, Outcome
from ..keys import PREFIX
from .base import MemoryPart
from .keyspace import _resume_key, _unset


class MemoryConversations(MemoryPart):
    """`Conversations` in memory."""


    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        fields = self._hash(f"{PREFIX}conv:{conversation_id}")
        return Conversation.from_fields(conversation_id, fields) if fields else None

    async def get_conversations(self, ids: list[str]) -> list[Conversation]:
        found = [await self.get_conversation(i) for i in ids]
        return [conversation for conversation in found if conversation]

    async def create_conversation(self, conversation: Conversation, secret: str = "") -> bool:
        now = self.clock()
        conversation.created_at = conversation.created_at or now
        conversation.updated_at = now
        key = f"{PREFIX}conv:{conversation.id}"
        fields = conversation.to_fields()
        if "owner" in self._hash(key):
            return False
        if secret:
            fields["resume"] = _resume_key(secret)
            self.keys.set(fields["resume"], conversation.id, ttl=self.unwritten)
        self._hset(key, **fields)
        self.keys.expire(key, self.unwritten)
        return True

    async def resume(self, secret: str) -> Conversation | None:
        conversation_id = self.keys.get(_resume_key(secret))
        return await self.get_conversation(conversation_id) if conversation_id else None

    async def visitor_tabs(self, conversation_id: str, change: int) -> None:
        conv = self.keys.get(f"{PREFIX}conv:{conversation_id}")
        if conv is None:
            return
        tabs = int(conv.get("visitor_tabs", "0")) + change
        conv["visitor_tabs"] = str(tabs)
        if tabs <= 0:
            conv.update(visitor_tabs="0", visitor_left_at=repr(self.clock()))

    async def update_conversation(self, conversation_id: str, **fields: str) -> None:
        self._hset(f"{PREFIX}conv:{conversation_id}", **fields)

    async def retag(self, conversation_id: str, add: str, remove: str, cap: int) -> list[str] | None:
        """As the RETAG script of bot/store/redis/conversations.py."""
        conv = self.keys.get(f"{PREFIX}conv:{conversation_id}")
        if conv is None:
            return None
        found = conv.get("tags", "").split()
        tags = [t for t in found if t != remove]
        if add and add not in found and len(tags) < cap:
            tags.append(add)
        conv["tags"] = " ".join(tags)
        return tags

    async def transition(
        self,
        conversation_id: str,
        expect: Expect,
        to: Owner,
        *,
        capacity: int | None = None,
        score: float | None = None,
        **fields: str,
    ) -> Move:
        """As the transition script of bot/store/redis/conversations.py."""
        now = self.clock()
        changes = {"updated_at": repr(now), **fields}
        conv = self.keys.get(f"{PREFIX}conv:{conversation_id}")
        state = {k: (conv or {}).get(k, "") for k in
                 ("owner", "agent", "department", "queued_at", "picked_at")}
        before = Conversation.from_fields(conversation_id, {k: v for k, v in state.items() if v})
        if conv is None or not state["owner"]:
            return Move(Outcome.MISSING, Conversation.from_fields(conversation_id, {}))
        cur, old_agent, old_dept = state["owner"], state["agent"], state["department"]
        if (cur not in {o.value for o in expect.owners}
                or (expect.agent is not None and expect.agent != old_agent)
                or (expect.department is not None and expect.department != old_dept)):
            return Move(Outcome.STALE, before)
        if expect.legal is not None and cur not in {o.value for o in expect.legal}:
            raise ValueError(f"no move from {cur} to {to.value}")  # a bug in the caller
        agent = changes.get("agent", old_agent) if to is Owner.AGENT else ""
        if to is Owner.AGENT and not agent:
            raise ValueError("a move to an agent names the agent")
        changes["agent"] = agent  # set exactly when an agent owns it
        department = changes.get("department", old_dept)
        if (to is Owner.AGENT and capacity is not None and (cur != "agent" or agent != old_agent)
                and len(self.keys.get(f"{PREFIX}agent_chats:{agent}") or ()) >= capacity):
            return Move(Outcome.FULL, before)
        if cur == "queue":
            self._zrem(f"{PREFIX}queue:{old_dept}", conversation_id)
        if cur == "agent":
            self._srem(f"{PREFIX}agent_chats:{old_agent}", conversation_id)
        conv.update(owner=to.value, **changes)
        self.keys.expire(f"{PREFIX}conv:{conversation_id}", self.retention)
        self.keys.expire(f"{PREFIX}msgs:{conversation_id}", self.retention)
        first = to is Owner.AGENT and "picked_at" not in changes and _unset(state["picked_at"])
        if first:
            conv["picked_at"] = repr(now)
        if to is Owner.QUEUE:
            rank = float(score if score is not None else fields.get("queued_at", repr(now)))
            self.keys.make(f"{PREFIX}queue:{department}", dict)[conversation_id] = rank
        if to is Owner.AGENT:
            self.keys.make(f"{PREFIX}agent_chats:{agent}", set).add(conversation_id)
        if to in (Owner.QUEUE, Owner.AGENT):  # a person answers from now on
            self.keys.delete(f"{PREFIX}pending:{conversation_id}")
        return Move(Outcome.MOVED, before, first)
