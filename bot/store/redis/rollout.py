"""`Rollout` on Redis: the live model's record and the trainer's status, each one hash with an
expiry."""

from __future__ import annotations

from .. import keys
from ..rollout import LIVE_TTL, TRAINER_TTL
from .connection import RedisPart

# KEYS: the live model's hash. ARGV: name, now, by, ttl. Returns the record as field/value pairs.
# Keeps: `previous` is the model live before this one (unchanged when `name` is live already).
PROMOTE = """
local cur = redis.call('HGET', KEYS[1], 'name') or ''
if cur ~= ARGV[1] then redis.call('HSET', KEYS[1], 'previous', cur) end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'promoted_at', ARGV[2], 'by', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('HGETALL', KEYS[1])
"""

# KEYS: the live model's hash. ARGV: now, by, ttl. Returns the record, or {} when there is no
# previous model. Keeps: live and previous swap places, so a second roll-back undoes the first.
ROLL_BACK = """
local cur = redis.call('HGET', KEYS[1], 'name') or ''
local prev = redis.call('HGET', KEYS[1], 'previous') or ''
if prev == '' then return {} end
redis.call('HSET', KEYS[1], 'name', prev, 'previous', cur, 'promoted_at', ARGV[1], 'by', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGETALL', KEYS[1])
"""


def _record(pairs: list[str]) -> dict[str, str]:
    return dict(zip(pairs[::2], pairs[1::2]))


class RedisRollout(RedisPart):
    async def live_model(self) -> dict[str, str]:
        return dict(await self.redis.hgetall(keys.LIVE_MODEL))

    async def promote(self, name: str, by: str, now: float) -> dict[str, str]:
        pairs = await self.script(PROMOTE)(keys=[keys.LIVE_MODEL],
                                           args=[name, repr(now), by, LIVE_TTL])
        return _record(pairs)

    async def roll_back(self, by: str, now: float) -> dict[str, str]:
        pairs = await self.script(ROLL_BACK)(keys=[keys.LIVE_MODEL], args=[repr(now), by, LIVE_TTL])
        return _record(pairs)

    async def trainer_status(self) -> dict[str, str]:
        return dict(await self.redis.hgetall(keys.TRAINER))

    async def set_trainer_status(self, fields: dict[str, str]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.TRAINER)
            if fields:
                pipe.hset(keys.TRAINER, mapping=fields)
                pipe.expire(keys.TRAINER, TRAINER_TTL)
            await pipe.execute()
