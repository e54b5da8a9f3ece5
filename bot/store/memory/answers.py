"""`Answers` in memory: the Redis part's string and trimmed list, under the same key names."""

from __future__ import annotations

import json

from .. import keys
from ..answers import AnswerEdit
from .base import MemoryPart


class MemoryAnswers(MemoryPart):
    async def live_answer(self, topic: str) -> str:
        return str(self.keys.get(keys.answer(topic)) or "")

    async def live_answers(self, topics: list[str]) -> dict[str, str]:
        found = {topic: await self.live_answer(topic) for topic in topics}
        return {topic: value for topic, value in found.items() if value}

    async def edit_answer(self, topic: str, answer: str, by: str, at: float, keep: int,
                          expect: str | None = None) -> AnswerEdit | None:
        current = await self.live_answer(topic)
        if expect is not None and expect != current:
            return None
        if answer:
            self.keys.set(keys.answer(topic), answer)
        else:
            self.keys.delete(keys.answer(topic))
        entry = json.dumps([by, repr(at), current, answer])
        history: list[str] = self.keys.make(keys.answer_history(topic), list)
        history.insert(0, entry)
        del history[max(1, keep):]
        return AnswerEdit.from_json(entry)

    async def answer_history(self, topic: str, limit: int) -> list[AnswerEdit]:
        history: list[str] = self.keys.get(keys.answer_history(topic)) or []
        return [AnswerEdit.from_json(entry) for entry in history[:max(0, limit)]]
