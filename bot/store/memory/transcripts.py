"""Transcripts in memory: appends under an owner guard, turns, pages (as the Redis scripts)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ...models import PENDING, Conversation, Message, Sender
from .. import Appended, NotOwner, Page
from ..keys import PREFIX
from ..transcripts import RESEND_WINDOW, SNAPSHOT
from .base import MemoryPart
from .keyspace import MAX_ID, Stream, _num, _unset, after_id, before_id, format_id, parse_id


class MemoryTurn:
    """`Turn` (bot/store/transcripts.py) in memory: ended by `answered`, as `RedisTurn`."""

    def __init__(self, store: MemoryTranscripts, conversation_id: str, token: str, ours: bool,
                 head: str | None) -> None:
        self.store, self.conversation_id, self.token = store, conversation_id, token
        self.ours, self.head, self.ended = ours, head, False

    async def answered(self, message_id: str) -> int:
        self.ended = True
        return self.store._end_turn(self.conversation_id, self.token, message_id)



class MemoryTranscripts(MemoryPart):
    """`Transcripts` in memory."""

    async def append(
        self, conversation_id: str, message: Message, guard: str = "", resend: bool = False
    ) -> Appended:
        """As the append script of bot/store/redis/transcripts.py."""
        message.ts = message.ts or self.clock()
        kind = message.sender.value if message.sender in (Sender.VISITOR, Sender.AGENT) else ""
        conv_key = f"{PREFIX}conv:{conversation_id}"
        conv = self._hash(conv_key)
        snap = {k: conv.get(k, "") for k in SNAPSHOT}
        seen = Conversation.from_fields(conversation_id, {k: v for k, v in snap.items() if v})
        owner, agent = snap["owner"], snap["agent"]
        if not owner:
            raise NotOwner(seen if any(snap.values()) else None)
        if (guard == "bot" and owner != "bot") or (
                guard not in ("", "bot") and (owner != "agent" or guard not in ("*", agent))):
            raise NotOwner(seen)
        stream = self._stream(conversation_id)
        if resend and message.client_id:
            for stream_id, fields in stream.entries[::-1][:RESEND_WINDOW]:
                if fields["client_id"] == message.client_id and fields["sender"] == kind:
                    stored = Message.from_fields(format_id(stream_id), fields)
                    return Appended(stored, False, seen, pending=len(self._pending(conversation_id)))
        message.id = self.keys.make(f"{PREFIX}msgs:{conversation_id}", Stream).add(
            self.clock(), message.to_fields())
        first = pending = 0
        if kind == "visitor" and owner in PENDING:
            waiting = self.keys.make(f"{PREFIX}pending:{conversation_id}", list)
            waiting.append(message.id)
            pending = len(waiting)
            if pending == 1:  # a new list: bounded too
                self.keys.expire(f"{PREFIX}pending:{conversation_id}", self.retention)
        elif (kind == "agent" and owner == "agent" and not _unset(snap["queued_at"])
              and _unset(snap["first_response_at"])):
            conv["first_response_at"] = repr(message.ts)
            first = 1
        first_write = kind == "visitor" and not conv.get("written")
        if first_write:
            conv["written"] = "1"
        self._keep(conversation_id, message.ts, first_write)
        return Appended(message, True, seen, bool(first), pending, first_write)

    def _keep(self, conversation_id: str, now: float, always: bool) -> None:
        """Keep the conversation's keys for the retention time from `now`; refreshed at most
        every 1% of it (at most hourly), as the append script."""
        conv = self._hash(f"{PREFIX}conv:{conversation_id}")
        ttl = self.retention
        if now + ttl - (_num(conv.get("kept_until", "")) or 0) <= min(3600, ttl / 100) and not always:
            return
        for kind in ("msgs", "conv", "pending"):
            self.keys.expire(f"{PREFIX}{kind}:{conversation_id}", ttl)
        if conv.get("resume"):
            self.keys.expire(conv["resume"], ttl)
        conv["kept_until"] = "%.14g" % (now + ttl)  # Lua's tostring

    async def message(self, conversation_id: str, message_id: str) -> Message | None:
        rows = self._stream(conversation_id).between(parse_id(message_id, 0),
                                                     parse_id(message_id, MAX_ID))
        return Message.from_fields(format_id(rows[0][0]), rows[0][1]) if rows else None

    async def next_pending(self, conversation_id: str) -> str | None:
        pending = self._pending(conversation_id)
        return pending[0] if pending else None

    @asynccontextmanager
    async def turn(self, conversation_id: str, ttl: float) -> AsyncIterator[MemoryTurn]:
        key = f"{PREFIX}turn:{conversation_id}"
        token, deadline = secrets.token_hex(16), time.monotonic() + ttl
        while True:  # another task answering this conversation: wait for it, a bounded time
            got = self.keys.get(key) is None
            if got:
                self.keys.set(key, token, ttl=max(1, int(ttl * 1000)) / 1000)
            if got or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        turn = MemoryTurn(self, conversation_id, token, got,
                          await self.next_pending(conversation_id) if got else None)
        try:
            yield turn
        finally:
            if turn.ours and not turn.ended:  # left without an answer (an error): release only
                await turn.answered("")

    def _end_turn(self, conversation_id: str, token: str, message_id: str) -> int:
        pending = self._pending(conversation_id)
        if message_id in pending:
            pending.remove(message_id)
            self.keys.tidy(f"{PREFIX}pending:{conversation_id}")
        if self.keys.get(f"{PREFIX}turn:{conversation_id}") == token:
            self.keys.delete(f"{PREFIX}turn:{conversation_id}")
        return len(pending)

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        if limit < 1:  # as redis-py refuses a COUNT below 1
            raise ValueError("limit must be positive")
        low = after_id(after) if after else (0, 0)
        rows = self._stream(conversation_id).between(low, (MAX_ID, MAX_ID))
        return [Message.from_fields(format_id(i), f) for i, f in rows[:limit]]

    async def all_messages(self, conversation_id: str) -> list[Message]:
        entries = self._stream(conversation_id).entries
        return [Message.from_fields(format_id(i), f) for i, f in entries]

    async def page_after(self, conversation_id: str, after: str | None = None,
                         limit: int = 200) -> Page:
        messages = await self.messages(conversation_id, after, limit + 1)
        return Page(messages[:limit], len(messages) > limit)

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> Page:
        high = before_id(before) if before else (MAX_ID, MAX_ID)
        rows = self._stream(conversation_id).between((0, 0), high)[::-1][:limit + 1]
        messages = [Message.from_fields(format_id(i), f) for i, f in rows[:limit]]
        return Page(messages[::-1], len(rows) > limit)

    # queues -----------------------------------------------------------------------------------
