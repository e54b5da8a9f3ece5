"""`Insights` on Redis: a hash of tallies per day and a capped list per measurement."""

from __future__ import annotations

import json
import time
from typing import Any

from .. import keys
from ..insights import rating_rows, week
from .connection import RedisPart

SAMPLES_KEPT = 1000
SAMPLED = ("queue_wait", "first_response")
# One rating per conversation: the mark, then the week's tally, in one step.
RATE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class RedisInsights(RedisPart):
    async def count(self, field: str, amount: int = 1) -> None:
        key = keys.stats(time.strftime("%Y-%m-%d", time.gmtime()))
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(key, field, amount)
            pipe.expire(key, self.retention)
            await pipe.execute()

    async def sample(self, name: str, value: float) -> None:
        key = keys.samples(name)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.lpush(key, repr(round(value, 3)))
            pipe.ltrim(key, 0, SAMPLES_KEPT - 1)
            pipe.expire(key, self.retention)
            await pipe.execute()

    async def recent_samples(self, name: str, count: int) -> list[float]:
        if count <= 0:
            return []
        kept = await self.redis.lrange(keys.samples(name), 0, min(count, SAMPLES_KEPT) - 1)
        return [float(v) for v in kept]

    async def rate(self, conversation_id: str, department: str, agent: str, rating: str) -> bool:
        field = json.dumps([department, agent, rating])
        done = await self.script(RATE)(
            keys=[keys.rated(conversation_id), keys.ratings(week(time.time()))],
            args=[self.retention, field])
        return bool(done)

    async def insights(self, days: int) -> dict[str, Any]:
        now = time.time()
        dates = [time.strftime("%Y-%m-%d", time.gmtime(now - 86400 * d)) for d in range(days)]
        weeks = sorted({week(now - 86400 * d) for d in range(days)})
        async with self.redis.pipeline(transaction=False) as pipe:
            for date in reversed(dates):
                pipe.hgetall(keys.stats(date))
            for name in SAMPLED:
                pipe.lrange(keys.samples(name), 0, -1)
            for one in weeks:
                pipe.hgetall(keys.ratings(one))
            rows = await pipe.execute()
        daily = [{"date": d, **{k: int(v) for k, v in r.items()}}
                 for d, r in zip(reversed(dates), rows[:days])]
        return {
            "daily": daily,
            "queue_wait": [float(v) for v in rows[days]],
            "first_response": [float(v) for v in rows[days + 1]],
            "ratings": [row for one, tallies in zip(weeks, rows[days + 2:])
                        for row in rating_rows(one, tallies)],
        }
