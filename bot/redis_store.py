"""The Redis implementation of `Store`: every key and script Frontdesk uses is here."""

from __future__ import annotations

import time
from typing import Iterable

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from .models import Conversation, Message, Owner

PREFIX = "fd"

# KEYS: conversation hash. ARGV: comma-separated allowed owners, new owner, then field/value pairs.
_TRANSITION = """
local cur = redis.call('HGET', KEYS[1], 'owner')
if not cur then return -1 end
local ok = false
for owner in string.gmatch(ARGV[1], '[^,]+') do
  if owner == cur then ok = true end
end
if not ok then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
"""

# KEYS: stream, dedupe hash. ARGV: client id ('' for none), then field/value pairs.
_APPEND = """
if ARGV[1] ~= '' then
  local seen = redis.call('HGET', KEYS[2], ARGV[1])
  if seen then return {seen, 0} end
end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
if ARGV[1] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], id) end
return {id, 1}
"""


def conversation_key(conversation_id: str) -> str:
    return f"{PREFIX}:conv:{conversation_id}"


def stream_key(conversation_id: str) -> str:
    return f"{PREFIX}:msgs:{conversation_id}"


def dedupe_key(conversation_id: str) -> str:
    return f"{PREFIX}:seen:{conversation_id}"


class RedisStore:
    """`Store` on one Redis server (or cluster front), shared by every bridge process."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.from_url(url, decode_responses=True, health_check_interval=30)
        self._transition = self.redis.register_script(_TRANSITION)
        self._append = self.redis.register_script(_APPEND)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (OSError, aioredis.RedisError):
            return False

    async def close(self) -> None:
        await self.redis.aclose()

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        fields = await self.redis.hgetall(conversation_key(conversation_id))
        return Conversation.from_fields(conversation_id, fields) if fields else None

    async def create_conversation(self, conversation: Conversation) -> bool:
        now = time.time()
        conversation.created_at = conversation.created_at or now
        conversation.updated_at = now
        key = conversation_key(conversation.id)
        fields = conversation.to_fields()
        created = await self.redis.hsetnx(key, "owner", fields.pop("owner"))
        if created:
            await self.redis.hset(key, mapping=fields)
        return bool(created)

    async def transition(
        self, conversation_id: str, allowed_from: Iterable[Owner], to: Owner, **fields: str
    ) -> bool:
        pairs: list[str] = ["updated_at", repr(time.time())]
        for name, value in fields.items():
            pairs += [name, value]
        allowed = ",".join(owner.value for owner in allowed_from)
        result = await self._transition(
            keys=[conversation_key(conversation_id)], args=[allowed, to.value, *pairs]
        )
        return result == 1

    async def append(self, conversation_id: str, message: Message) -> tuple[Message, bool]:
        message.ts = message.ts or time.time()
        args: list[str] = [message.client_id]
        for name, value in message.to_fields().items():
            args += [name, value]
        keys = [stream_key(conversation_id), dedupe_key(conversation_id)]
        stored_id, is_new = await self._append(keys=keys, args=args)
        if is_new:
            message.id = stored_id
            return message, True
        existing = await self.redis.xrange(keys[0], stored_id, stored_id)
        return Message.from_fields(stored_id, existing[0][1]), False

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        start = f"({after}" if after else "-"
        try:
            rows = await self.redis.xrange(stream_key(conversation_id), start, "+", count=limit)
        except ResponseError:  # a malformed id from a client
            raise ValueError(f"not a message id: {after!r}") from None
        return [Message.from_fields(id, fields) for id, fields in rows]
