"""`Coordination` on Redis: fixed-window counters, leases and once-only marks, all keys with
an expiry."""

from __future__ import annotations

from .. import keys
from .connection import RedisPart

# Take the lease if free, renew it if ours. KEYS: lease. ARGV: holder, ttl in ms. Returns 1
# when `holder` holds it now, else 0. Keeps: one holder at a time (until it expires).
LEAD = """
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


class RedisCoordination(RedisPart):
    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        full = keys.limit(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(full, 0, nx=True, px=int(window * 1000))
            pipe.incrby(full, cost)
            _, count = await pipe.execute()
        return bool(count <= limit if cost else count < limit)

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        result = await self.script(LEAD)(keys=[keys.lease(name)], args=[holder, int(ttl * 1000)])
        return bool(result == 1)

    async def once(self, key: str, ttl: float) -> bool:
        return bool(await self.redis.set(keys.once(key), "1", nx=True, px=int(ttl * 1000)))
