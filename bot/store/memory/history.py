"""`History` in memory: as bot/store/redis/history.py over the keyspace model."""

from __future__ import annotations

from collections.abc import Iterable

from .. import keys
from ..history import HISTORY_CAP, SEARCH_INDEX_CAP, Found, common, merged
from .base import MemoryPart


class MemoryHistory(MemoryPart):
    """`History` (bot/store/history.py) in memory."""

    def _add(self, entry: str, index: list[str], of: str, at: float, cap: int) -> None:
        oldest = self.clock() - self.retention
        for key in index:
            scores = self.keys.make(key, dict)
            scores[entry] = at
            for old in [e for e, score in scores.items() if score < oldest]:
                del scores[old]
            for trimmed in self._ranked(key)[:max(0, len(scores) - cap)]:
                del scores[trimmed]
            self.keys.tidy(key)
            if self.keys.exists(key):
                self.keys.expire(key, self.retention)
        if index and of:
            self.keys.make(of, set).update(index)
            self.keys.expire(of, self.retention)

    def _newest(self, index: list[str], low: float, high: float, limit: int) -> list[Found]:
        found = []
        for key in index:
            scores = self._zset(key)
            ranked = [e for e in self._ranked(key, reverse=True) if low <= scores[e] <= high]
            found.append([(e, float(scores[e])) for e in ranked[:limit]])
        return found

    async def add_visit(self, conversation_id: str, entry: str, links: Iterable[str],
                        at: float) -> None:
        self._add(entry, [keys.visits(link) for link in links], keys.visits_of(conversation_id),
                  at, HISTORY_CAP)

    async def visits(self, links: Iterable[str], limit: int) -> Found:
        index = [keys.visits(link) for link in dict.fromkeys(links)]
        found = self._newest(index, self.clock() - self.retention, float("inf"),
                             min(limit, HISTORY_CAP))
        return merged(found, limit)

    async def visit_links(self, conversation_id: str) -> list[str]:
        found = self.keys.get(keys.visits_of(conversation_id)) or set()
        return sorted(key.removeprefix(keys.visits("")) for key in found)

    async def add_words(self, conversation_id: str, entry: str, department: str,
                        words: Iterable[str], at: float) -> None:
        """As NOTE_WORDS then the index (bot/store/redis/history.py)."""
        words = list(dict.fromkeys(words))
        if not words:
            return
        of = keys.words_of(conversation_id)
        known = self._hash(of).get(department, "")
        added = [w for w in words if w not in set(known.split())]
        if added:
            self._hset(of, **{department: " ".join([*known.split(), *added])})
        self.keys.expire(of, self.retention)
        self._add(entry, [keys.words(department, w) for w in words], "", at, SEARCH_INDEX_CAP)

    async def find_words(self, department: str, words: list[str], since: float, until: float,
                         limit: int) -> Found:
        index = [keys.words(department, word) for word in dict.fromkeys(words)]
        low = max(since, self.clock() - self.retention)
        return common(self._newest(index, low, until, SEARCH_INDEX_CAP), limit)
