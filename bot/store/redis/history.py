"""`History` on Redis: a sorted set per visitor link and per department and word, each with
the retention time as TTL and trimmed to its newest entries; a set per conversation of the
keys its entries are in, for erasure."""

from __future__ import annotations

import time
from collections.abc import Iterable

from .. import keys
from ..history import HISTORY_CAP, SEARCH_INDEX_CAP, Found, common, merged
from .connection import RedisPart

# The words a conversation's entries are indexed under, compactly (for erasure: a set of the key
# names took more memory than the index itself).
# KEYS: words_of. ARGV: department, seconds to keep, then words. Keeps: one field per department,
#   its words space-separated, each once; the key expires with the retention time.
NOTE_WORDS = """
local known, seen = redis.call('HGET', KEYS[1], ARGV[1]) or '', {}
for word in string.gmatch(known, '%S+') do seen[word] = true end
local added = {}
for i = 3, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true; added[#added + 1] = ARGV[i] end
end
if #added > 0 then
  local joined = table.concat(added, ' ')
  redis.call('HSET', KEYS[1], ARGV[1], known == '' and joined or (known .. ' ' .. joined))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
"""


class RedisHistory(RedisPart):
    """`History` (bot/store/history.py) on Redis."""

    async def _add(self, conversation_id: str, entry: str, index: list[str], of: str,
                   at: float, cap: int) -> None:
        """`entry` into each sorted set of `index` (trimmed, with TTL), noted in `of`."""
        oldest = time.time() - self.retention
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in index:
                pipe.zadd(key, {entry: at})
                pipe.zremrangebyscore(key, "-inf", f"({oldest}")
                pipe.zremrangebyrank(key, 0, -(cap + 1))
                pipe.expire(key, self.retention)
            if index and of:
                pipe.sadd(of, *index)
                pipe.expire(of, self.retention)
            await pipe.execute()

    async def _newest(self, index: list[str], low: float, high: float, limit: int) -> list[Found]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in index:
                pipe.zrevrangebyscore(key, "+inf" if high == float("inf") else high, low,
                                      start=0, num=limit, withscores=True)
            rows = await pipe.execute() if index else []
        return [[(entry, float(at)) for entry, at in found] for found in rows]

    async def add_visit(self, conversation_id: str, entry: str, links: Iterable[str],
                        at: float) -> None:
        await self._add(conversation_id, entry, [keys.visits(link) for link in links],
                        keys.visits_of(conversation_id), at, HISTORY_CAP)

    async def visits(self, links: Iterable[str], limit: int) -> Found:
        index = [keys.visits(link) for link in dict.fromkeys(links)]
        found = await self._newest(index, time.time() - self.retention, float("inf"),
                                   min(limit, HISTORY_CAP))
        return merged(found, limit)

    async def visit_links(self, conversation_id: str) -> list[str]:
        found = await self.redis.smembers(keys.visits_of(conversation_id))
        return sorted(key.removeprefix(keys.visits("")) for key in found)

    async def add_words(self, conversation_id: str, entry: str, department: str,
                        words: Iterable[str], at: float) -> None:
        """Noted first (for erasure), then indexed."""
        words = list(dict.fromkeys(words))
        if not words:
            return
        await self.script(NOTE_WORDS)(keys=[keys.words_of(conversation_id)],
                                      args=[department, self.retention, *words])
        await self._add(conversation_id, entry, [keys.words(department, w) for w in words],
                        "", at, SEARCH_INDEX_CAP)

    async def find_words(self, department: str, words: list[str], since: float, until: float,
                         limit: int) -> Found:
        index = [keys.words(department, word) for word in dict.fromkeys(words)]
        low = max(since, time.time() - self.retention)
        return common(await self._newest(index, low, until, SEARCH_INDEX_CAP), limit)
