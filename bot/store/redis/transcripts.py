"""`Transcripts` on Redis: a stream per conversation, appended to by a script that also reads
the owner, the pending list of visitor messages, and the turn lease."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError

from ...models import PENDING, Conversation, Message, Sender
from .. import keys
from ..transcripts import RESEND_WINDOW, SNAPSHOT, UNDELIVERED, Appended, NotOwner, Page
from .connection import RedisPart, Unreplicated

log = logging.getLogger(__name__)

# Adds a message under its owner guard and reads the owner in the same step.
# KEYS: stream, conversation hash, pending list, then the conversation's resume key if known
#   (keys.py: a script asks for it when it must refresh its expiry and it was not declared).
# ARGV: the client id of a resend ('' for a first send: it is stored with the message, and a
#   resend looks for it among the latest RESEND_WINDOW messages instead of a dedupe key written
#   on every message), guard ('' none, 'bot', '*' any agent, or an agent's name),
#   'visitor'/'agent'/'' (what kind of message: a visitor's may become pending, an agent's may
#   be the first response), now, seconds to keep the conversation, then field/value pairs.
# Returns the id (or ''), 1 new / 0 duplicate / -1 refused by the guard / -2 no such
#   conversation / UNDECLARED (nothing stored; the resume key's name follows the snapshot),
#   1 if it was the handoff's first response, how many visitor messages are pending, 1 if it
#   was the visitor's first message, then the conversation's SNAPSHOT fields.
# Keeps: a message is stored only while its guard holds; a visitor message to the bot (or to
#   the triage step, or to a closed conversation: models.PENDING) is pending until answered, one to a person
#   never is (a move to a queue or an agent empties the list, so it costs no read of it); every
#   write keeps the conversation's keys (its resume key too) for the retention time from now.
APPEND = keys.DECLARED + """
local PENDING_OWNERS = {PENDING}
local snap = redis.call('HMGET', KEYS[2], 'owner', 'agent', 'department', 'queued_at',
                        'first_response_at', 'leaving', 'written', 'kept_until')
for i = 1, 8 do snap[i] = snap[i] or '' end
local kept_until = tonumber(table.remove(snap)) or 0
local written = table.remove(snap)
if snap[1] == '' then return {'', -2, 0, 0, 0, unpack(snap)} end
local guard, kind = ARGV[2], ARGV[3]
if guard == 'bot' then
  if snap[1] ~= 'bot' then return {'', -1, 0, 0, 0, unpack(snap)} end
elseif guard ~= '' and (snap[1] ~= 'agent' or (guard ~= '*' and snap[2] ~= guard)) then
  return {'', -1, 0, 0, 0, unpack(snap)}
end
if ARGV[1] ~= '' then  -- a resend: the same sender's message with this client id, if stored
  for _, entry in ipairs(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', RESEND_WINDOW)) do
    local f, m = entry[2], {}
    for i = 1, #f - 1, 2 do m[f[i]] = f[i + 1] end
    if m.client_id == ARGV[1] and m.sender == kind then
      return {entry[1], 0, 0, redis.call('LLEN', KEYS[3]), 0, unpack(snap)}
    end
  end
end
-- Keep everything RETENTION after now; refreshed at most every 1% of it (at most hourly).
local ttl, now = tonumber(ARGV[5]), tonumber(ARGV[4])
local first_write = (kind == 'visitor' and written == '') and 1 or 0
local refresh = now + ttl - kept_until > math.min(3600, ttl / 100) or first_write == 1
local resume = refresh and redis.call('HGET', KEYS[2], 'resume')
if resume then touch(resume) end
if #missing > 0 then return asking({'', UNDECLARED, 0, 0, 0, unpack(snap)}) end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
local first, pending = 0, 0
if kind == 'visitor' then
  if PENDING_OWNERS[snap[1]] then
    pending = redis.call('RPUSH', KEYS[3], id)
    if pending == 1 then redis.call('EXPIRE', KEYS[3], ARGV[5]) end  -- a new list: bounded too
  end
elseif kind == 'agent' and snap[1] == 'agent' and snap[4] ~= '' and tonumber(snap[4]) ~= 0
       and (snap[5] == '' or tonumber(snap[5]) == 0) then
  redis.call('HSET', KEYS[2], 'first_response_at', ARGV[4])
  first = 1
end
if first_write == 1 then redis.call('HSET', KEYS[2], 'written', '1') end
if refresh then
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
  if resume then redis.call('EXPIRE', resume, ttl) end
  redis.call('HSET', KEYS[2], 'kept_until', tostring(now + ttl))
end
return {id, 1, first, pending, first_write, unpack(snap)}
""".replace("RESEND_WINDOW", str(RESEND_WINDOW)).replace("UNDECLARED", str(keys.UNDECLARED)).replace(
    "{PENDING}", "{" + ", ".join(f"{owner.value}=true" for owner in sorted(PENDING)) + "}")

# The turn of a conversation: had (SET NX with an expiry) together with the oldest pending
# message, and given up together with marking a message answered.
# TAKE_TURN: KEYS: turn, pending. ARGV: token, ms to hold it. Returns {1, oldest pending id or
#   false} when had, {0, false} when another holds it.
# END_TURN: KEYS: turn, pending. ARGV: token, the message answered ('' none). Returns {pending
#   left, 1 if released}. Keeps: only the holder releases the turn; a turn that expired
#   meanwhile is not deleted (someone else may hold it).
TAKE_TURN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('LINDEX', KEYS[2], 0)}
end
return {0, false}
"""

END_TURN = """
if ARGV[2] ~= '' then redis.call('LREM', KEYS[2], 1, ARGV[2]) end
local left = redis.call('LLEN', KEYS[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {left, 1}
end
return {left, 0}
"""


class RedisTurn:
    """`Turn` (bot/store/transcripts.py) on Redis: ended by `answered` in the same step as the
    answer."""

    def __init__(self, end_turn: AsyncScript, keys: list[str], token: str, ours: bool,
                 head: str | None) -> None:
        self.end_turn, self.keys, self.token = end_turn, keys, token
        self.ours, self.head, self.ended = ours, head, False

    async def answered(self, message_id: str) -> int:
        return await self.end(message_id)

    async def end(self, message_id: str) -> int:
        self.ended = True
        left, released = await self.end_turn(keys=self.keys, args=[self.token, message_id])
        if not released:  # expired meanwhile: someone else may hold it now
            log.warning("turn of %s expired before it was released", self.keys[0])
        return int(left)


class RedisTranscripts(RedisPart):
    """`Transcripts` (bot/store/transcripts.py) on Redis."""

    async def append(
        self, conversation_id: str, message: Message, guard: str = "", resend: bool = False
    ) -> Appended:
        message.ts = message.ts or time.time()
        kind = message.sender.value if message.sender in (Sender.VISITOR, Sender.AGENT) else ""
        resent = message.client_id if resend else ""
        args: list[str] = [resent, guard, kind, repr(message.ts), str(self.retention)]
        for name, value in message.to_fields().items():
            args += [name, value]
        names = [keys.msgs(conversation_id), keys.conv(conversation_id),
                 keys.pending(conversation_id)]
        redeliver = False
        if kind and self.min_replicas:  # acknowledged only once replicated (REDIS_MIN_REPLICAS)
            async with self.redis.client() as one:
                result = await self.run_declaring(APPEND, names, args, status_at=1,
                                                  asked_at=5 + len(SNAPSHOT), client=one)
                if result is not None and result[1] in (0, 1):
                    redeliver = await self.confirmed(one, result[1], conversation_id,
                                                     message.client_id)
        else:
            result = await self.run_declaring(APPEND, names, args, status_at=1,
                                              asked_at=5 + len(SNAPSHOT))
        if result is None:  # the resume key changed between calls, each time: nothing stored
            raise RuntimeError(f"append to {conversation_id}: its resume key keeps changing")
        stored_id, status, first, pending, first_write, *snapshot = result[:5 + len(SNAPSHOT)]
        state = {k: v for k, v in zip(SNAPSHOT, snapshot) if v}
        conversation = Conversation.from_fields(conversation_id, state)
        if status in (-1, -2):
            raise NotOwner(conversation if state else None)
        if status == 1:
            message.id = stored_id
            return Appended(message, True, conversation, bool(first), int(pending),
                            bool(first_write))
        existing = await self.redis.xrange(names[0], stored_id, stored_id)
        message = Message.from_fields(stored_id, existing[0][1])
        return Appended(message, False, conversation, pending=int(pending), redeliver=redeliver)

    async def confirmed(self, one: Any, status: int, conversation_id: str,
                        client_id: str) -> bool:
        """WAIT for the replicas after an append on the connection `one` (`replicated`). A
        message stored but refused is marked undelivered: True for the resend that is confirmed
        and finds the mark (it delivers the message live, once)."""
        marker = keys.undelivered(conversation_id, client_id)
        try:
            await self.replicated(one, wrote=status == 1)
        except Unreplicated:
            if status == 1 and client_id:  # a resend (by client id) can follow
                await one.set(marker, "1", ex=UNDELIVERED)
            raise
        return status == 0 and bool(client_id) and bool(await one.delete(marker))

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        start = f"({after}" if after else "-"
        try:
            rows = await self.redis.xrange(keys.msgs(conversation_id), start, "+", count=limit)
        except ResponseError:  # a malformed id from a client
            raise ValueError(f"not a message id: {after!r}") from None
        return [Message.from_fields(id, fields) for id, fields in rows]

    async def all_messages(self, conversation_id: str) -> list[Message]:
        """The whole transcript, read a page at a time."""
        found: list[Message] = []
        after = None
        while page := await self.messages(conversation_id, after, limit=1000):
            found += page
            after = page[-1].id
        return found

    async def page_after(self, conversation_id: str, after: str | None = None,
                         limit: int = 200) -> Page:
        messages = await self.messages(conversation_id, after, limit + 1)
        return Page(messages[:limit], len(messages) > limit)

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> Page:
        end = f"({before}" if before else "+"
        try:
            rows = await self.redis.xrevrange(keys.msgs(conversation_id), end, "-",
                                              count=limit + 1)
        except ResponseError:  # a malformed id from a client
            raise ValueError(f"not a message id: {before!r}") from None
        messages = [Message.from_fields(id, fields) for id, fields in rows[:limit]]
        return Page(messages[::-1], len(rows) > limit)

    async def message(self, conversation_id: str, message_id: str) -> Message | None:
        rows = await self.redis.xrange(keys.msgs(conversation_id), message_id, message_id)
        return Message.from_fields(rows[0][0], rows[0][1]) if rows else None

    async def next_pending(self, conversation_id: str) -> str | None:
        head: str | None = await self.redis.lindex(keys.pending(conversation_id), 0)
        return head

    @asynccontextmanager
    async def turn(self, conversation_id: str, ttl: float) -> AsyncIterator[RedisTurn]:
        names = [keys.turn(conversation_id), keys.pending(conversation_id)]
        token, deadline = secrets.token_hex(16), time.monotonic() + ttl
        while True:  # another bridge answering this conversation: wait for it, a bounded time
            got, head = await self.script(TAKE_TURN)(
                keys=names, args=[token, max(1, int(ttl * 1000))]
            )
            if got or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.02)
        turn = RedisTurn(self.script(END_TURN), names, token, bool(got), head or None)
        try:
            yield turn
        finally:
            if turn.ours and not turn.ended:  # left without an answer (an error): release only
                await turn.end("")
