"""`Queues` on Redis: a sorted set per department, scored by queue time (written only by the
transition script, bot/store/redis/conversations.py)."""

from __future__ import annotations

from .. import keys
from .connection import RedisPart


class RedisQueues(RedisPart):
    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        stop = -1 if limit < 0 else offset + limit - 1
        ids: list[str] = await self.redis.zrange(keys.queue(department), offset, stop)
        return ids

    async def queue_scores(self, department: str, offset: int = 0,
                           limit: int = -1) -> list[tuple[str, float]]:
        stop = -1 if limit < 0 else offset + limit - 1
        pairs = await self.redis.zrange(keys.queue(department), offset, stop, withscores=True)
        return [(member, float(score)) for member, score in pairs]

    async def queue_length(self, department: str) -> int:
        length: int = await self.redis.zcard(keys.queue(department))
        return length

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        rank = await self.redis.zrank(keys.queue(department), conversation_id)
        return None if rank is None else rank + 1
