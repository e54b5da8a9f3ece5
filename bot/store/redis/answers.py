"""`Answers` on Redis: a string per edited topic, a list of its edits trimmed to `keep`."""

from __future__ import annotations

from .. import keys
from ..answers import AnswerEdit
from .connection import RedisPart

# KEYS: the answer, its history. ARGV: the new answer ("" to drop it), by, at, keep, expected
# answer ("\0" for any). Returns the recorded edit (JSON [by, at, before, after]), or false when
# the answer is not the expected one. Keeps: the history's newest entry says what the answer is.
EDIT = """
local current = redis.call('GET', KEYS[1]) or ''
if ARGV[5] ~= '\\0' and ARGV[5] ~= current then return false end
if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
local entry = cjson.encode({ARGV[2], ARGV[3], current, ARGV[1]})
redis.call('LPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return entry
"""


class RedisAnswers(RedisPart):
    async def live_answer(self, topic: str) -> str:
        return str(await self.redis.get(keys.answer(topic)) or "")

    async def live_answers(self, topics: list[str]) -> dict[str, str]:
        if not topics:
            return {}
        values = await self.redis.mget([keys.answer(t) for t in topics])
        return {topic: value for topic, value in zip(topics, values, strict=True) if value}

    async def edit_answer(self, topic: str, answer: str, by: str, at: float, keep: int,
                          expect: str | None = None) -> AnswerEdit | None:
        entry = await self.script(EDIT)(
            keys=[keys.answer(topic), keys.answer_history(topic)],
            args=[answer, by, repr(at), max(1, keep), "\0" if expect is None else expect],
        )
        return AnswerEdit.from_json(entry) if entry else None

    async def answer_history(self, topic: str, limit: int) -> list[AnswerEdit]:
        if limit <= 0:
            return []
        entries = await self.redis.lrange(keys.answer_history(topic), 0, limit - 1)
        return [AnswerEdit.from_json(entry) for entry in entries]
