"""`Canned` on Redis: a hash per department."""

from __future__ import annotations

from .. import keys
from .connection import RedisPart


class RedisCanned(RedisPart):
    async def canned(self, department: str) -> dict[str, str]:
        answers: dict[str, str] = await self.redis.hgetall(keys.canned(department))
        return answers

    async def set_canned(self, department: str, key: str, text: str) -> None:
        await self.redis.hset(keys.canned(department), key, text)

    async def delete_canned(self, department: str, key: str) -> bool:
        return bool(await self.redis.hdel(keys.canned(department), key))
