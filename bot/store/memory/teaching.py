"""`Teaching` in memory: the same keys and bounds as bot/store/redis/teaching.py."""

from __future__ import annotations

from ...models import Learned, Unanswered
from .. import keys
from .base import MemoryPart


class MemoryTeaching(MemoryPart):
    async def add_unanswered(self, entry: Unanswered, cap: int) -> bool:
        name, index = keys.unanswered(entry.id), keys.unanswered_index(entry.department)
        if self.keys.exists(name):
            return False
        self.keys.set(name, entry.to_json(), ttl=self.retention)
        scores = self.keys.make(index, dict)
        scores[entry.id] = entry.ts
        oldest = self.clock() - self.retention
        for old in [i for i, ts in scores.items() if ts < oldest]:
            del scores[old]
        for old in self._ranked(index)[:max(0, len(scores) - cap)]:
            del scores[old]
        self.keys.tidy(index)
        self.keys.expire(index, self.retention)
        of = keys.unanswered_of(entry.conversation_id)
        self.keys.make(of, set).add(entry.id)
        self.keys.expire(of, self.retention)
        return True

    async def unanswered(self, departments: list[str], limit: int) -> list[Unanswered]:
        if limit <= 0:
            return []
        ranked = [(ts, entry_id) for department in departments
                  for entry_id, ts in self._zset(keys.unanswered_index(department)).items()]
        ranked.sort(reverse=True)
        return self._entries([entry_id for _, entry_id in ranked[:limit]])

    def _entries(self, entry_ids: list[str]) -> list[Unanswered]:
        found = (self.keys.get(keys.unanswered(i)) for i in entry_ids)
        return [Unanswered.from_json(raw) for raw in found if raw]

    async def get_unanswered(self, entry_id: str) -> Unanswered | None:
        found = self._entries([entry_id])
        return found[0] if found else None

    async def unanswered_of(self, conversation_id: str) -> list[Unanswered]:
        ids = sorted(self.keys.get(keys.unanswered_of(conversation_id)) or set())
        return sorted(self._entries(ids), key=lambda e: (e.ts, e.id))

    async def relabel_unanswered(self, entry_id: str, kind: str) -> bool:
        entry = await self.get_unanswered(entry_id)
        if entry is None:
            return False
        entry.kind = kind
        self.keys.values[keys.unanswered(entry_id)] = entry.to_json()  # its expiry kept
        return True

    async def remove_unanswered(self, entry_ids: list[str]) -> int:
        entries = self._entries(entry_ids)
        for entry in entries:
            self.keys.delete(keys.unanswered(entry.id))
            self._zrem(keys.unanswered_index(entry.department), entry.id)
            self._srem(keys.unanswered_of(entry.conversation_id), entry.id)
        return len(entries)

    async def learn(self, example: Learned, key: str, cap: int) -> bool:
        kept = self._hash(keys.LEARNED)
        if key not in kept and len(kept) >= cap:
            return False
        self._hset(keys.LEARNED, **{key: example.to_json()})
        return True

    async def learned(self) -> list[Learned]:
        found = self._hash(keys.LEARNED)
        return [Learned.from_json(found[key]) for key in
                sorted(found, key=lambda k: (Learned.from_json(found[k]).at, k))]
