"""Answers: the FAQ topics' answers as supervisors edited them, with the history of edits.

An answer is stored as JSON (`{"text": ..., "buttons": [...]}`, bot/answers.py reads it); ""
means none: the pack's answer stands. Each edit is recorded as an `AnswerEdit`, newest first,
keeping the latest `keep`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AnswerEdit:
    """One change of a topic's answer: who, when (seconds since the epoch), before and after
    (stored answers, "" for the pack's)."""

    by: str
    at: float
    before: str
    after: str

    @classmethod
    def from_json(cls, entry: str) -> AnswerEdit:
        """As both stores keep it: a JSON array [by, at, before, after]."""
        by, at, before, after = json.loads(entry)
        return cls(str(by), float(at), str(before), str(after))


class Answers(Protocol):
    async def live_answer(self, topic: str) -> str:
        """The topic's edited answer, "" while the pack's stands."""

    async def live_answers(self, topics: list[str]) -> dict[str, str]:
        """The edited answers of these topics (only those that have one)."""

    async def edit_answer(self, topic: str, answer: str, by: str, at: float, keep: int,
                          expect: str | None = None) -> AnswerEdit | None:
        """Make `answer` the topic's ("": the pack's again) and record the edit, in one step;
        with `expect`, only if the answer is that now (None: nothing changed)."""

    async def answer_history(self, topic: str, limit: int) -> list[AnswerEdit]:
        """The topic's latest edits, newest first."""
