"""`ReadMarks` on Redis: a hash per conversation, moved forward only, in one script."""

from __future__ import annotations

from .. import keys
from .connection import RedisPart

# Stream ids compared as numbers: by length, then as text (the ids are the store's own).
MARK = """
local function after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not bm then return true end
  if #am ~= #bm then return #am > #bm end
  if am ~= bm then return am > bm end
  if #as ~= #bs then return #as > #bs end
  return as > bs
end
local now = redis.call('HGET', KEYS[1], ARGV[1])
if now and not after(ARGV[2], now) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class RedisReadMarks(RedisPart):
    async def mark_read(self, conversation_id: str, side: str, message_id: str) -> bool:
        done = await self.script(MARK)(keys=[keys.read_marks(conversation_id)],
                                       args=[side, message_id, self.retention])
        return bool(done)

    async def read_marks(self, conversation_id: str) -> dict[str, str]:
        marks: dict[str, str] = await self.redis.hgetall(keys.read_marks(conversation_id))
        return marks
