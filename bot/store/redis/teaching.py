"""`Teaching` on Redis: each entry a JSON string with the conversation's TTL, a sorted set per
department (bounded, with a TTL), a set per conversation (for erasure), and one bounded hash of
taught examples."""

from __future__ import annotations

import time

from ...models import Learned, Unanswered
from .. import keys
from .connection import RedisPart


class RedisTeaching(RedisPart):
    async def add_unanswered(self, entry: Unanswered, cap: int) -> bool:
        name, index = keys.unanswered(entry.id), keys.unanswered_index(entry.department)
        if not await self.redis.set(name, entry.to_json(), ex=self.retention, nx=True):
            return False
        of = keys.unanswered_of(entry.conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(index, {entry.id: entry.ts})
            pipe.zremrangebyscore(index, "-inf", f"({time.time() - self.retention}")
            pipe.zremrangebyrank(index, 0, -(cap + 1))
            pipe.expire(index, self.retention)
            pipe.sadd(of, entry.id)
            pipe.expire(of, self.retention)
            await pipe.execute()
        return True

    async def unanswered(self, departments: list[str], limit: int) -> list[Unanswered]:
        if limit <= 0 or not departments:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for department in departments:
                pipe.zrevrange(keys.unanswered_index(department), 0, limit - 1, withscores=True)
            ranked = [pair for found in await pipe.execute() for pair in found]
        ranked.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
        return await self._entries([entry_id for entry_id, _ in ranked[:limit]])

    async def _entries(self, entry_ids: list[str]) -> list[Unanswered]:
        if not entry_ids:
            return []
        raw = await self.redis.mget([keys.unanswered(i) for i in entry_ids])
        return [Unanswered.from_json(one) for one in raw if one]

    async def get_unanswered(self, entry_id: str) -> Unanswered | None:
        found = await self._entries([entry_id])
        return found[0] if found else None

    async def unanswered_of(self, conversation_id: str) -> list[Unanswered]:
        ids = await self.redis.smembers(keys.unanswered_of(conversation_id))
        entries = await self._entries(sorted(ids))
        return sorted(entries, key=lambda e: (e.ts, e.id))

    async def relabel_unanswered(self, entry_id: str, kind: str) -> bool:
        entry = await self.get_unanswered(entry_id)
        if entry is None:
            return False
        entry.kind = kind
        return bool(await self.redis.set(keys.unanswered(entry_id), entry.to_json(), xx=True,
                                         keepttl=True))

    async def remove_unanswered(self, entry_ids: list[str]) -> int:
        entries = await self._entries(entry_ids)
        async with self.redis.pipeline(transaction=True) as pipe:
            for entry in entries:
                pipe.delete(keys.unanswered(entry.id))
                pipe.zrem(keys.unanswered_index(entry.department), entry.id)
                pipe.srem(keys.unanswered_of(entry.conversation_id), entry.id)
            await pipe.execute()
        return len(entries)

    async def learn(self, example: Learned, key: str, cap: int) -> bool:
        if not await self.redis.hexists(keys.LEARNED, key) \
                and await self.redis.hlen(keys.LEARNED) >= cap:
            return False
        await self.redis.hset(keys.LEARNED, key, example.to_json())
        return True

    async def learned(self) -> list[Learned]:
        found = await self.redis.hgetall(keys.LEARNED)
        return [Learned.from_json(found[key]) for key in
                sorted(found, key=lambda k: (Learned.from_json(found[k]).at, k))]
