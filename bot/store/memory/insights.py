"""Daily tallies and samples in memory."""

from __future__ import annotations

import json
import time
from typing import Any

from .. import keys as names
from ..insights import rating_rows, week
from ..keys import PREFIX
from .base import MemoryPart


class MemoryInsights(MemoryPart):
    """`Insights` in memory."""

    def _day(self, now: float) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(now))

    async def count(self, field: str, amount: int = 1) -> None:
        key = f"{PREFIX}stats:{self._day(self.clock())}"
        tally = self.keys.make(key, dict)
        tally[field] = str(int(tally.get(field, "0")) + amount)
        self.keys.expire(key, self.retention)

    async def sample(self, name: str, value: float) -> None:
        key = f"{PREFIX}samples:{name}"
        kept = self.keys.make(key, list)
        kept[:] = [repr(round(value, 3)), *kept][:1000]
        self.keys.expire(key, self.retention)

    async def recent_samples(self, name: str, count: int) -> list[float]:
        kept = self.keys.get(f"{PREFIX}samples:{name}") or ()
        return [float(v) for v in list(kept)[:max(0, min(count, 1000))]]

    async def rate(self, conversation_id: str, department: str, agent: str, rating: str) -> bool:
        if self.keys.exists(names.rated(conversation_id)):
            return False
        self.keys.set(names.rated(conversation_id), "1", self.retention)
        key = names.ratings(week(self.clock()))
        tally = self.keys.make(key, dict)
        field = json.dumps([department, agent, rating])
        tally[field] = str(int(tally.get(field, "0")) + 1)
        self.keys.expire(key, self.retention)
        return True

    async def insights(self, days: int) -> dict[str, Any]:
        now = self.clock()
        dates = [self._day(now - 86400 * d) for d in range(days)][::-1]
        weeks = sorted({week(now - 86400 * d) for d in range(days)})
        return {
            "ratings": [row for one in weeks
                        for row in rating_rows(one, self._hash(names.ratings(one)))],
            "daily": [{"date": d, **{k: int(v) for k, v in
                                     self._hash(f"{PREFIX}stats:{d}").items()}} for d in dates],
            **{name: [float(v) for v in self.keys.get(f"{PREFIX}samples:{name}") or ()]
               for name in ("queue_wait", "first_response")},
        }

    # export and erasure -----------------------------------------------------------------------
