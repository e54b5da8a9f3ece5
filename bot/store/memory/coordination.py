"""Limits, leases and once-only marks in memory."""

from __future__ import annotations

from ..keys import PREFIX
from .base import MemoryPart


class MemoryCoordination(MemoryPart):
    """`Coordination` in memory."""

    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        full = f"{PREFIX}limit:{key}"
        if self.keys.get(full) is None:
            self.keys.set(full, "0", ttl=int(window * 1000) / 1000)
        count = int(self.keys.get(full)) + cost
        self.keys.values[full] = str(count)  # INCRBY keeps the expiry
        return count <= limit if cost else count < limit

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        key = f"{PREFIX}lease:{name}"
        if self.keys.get(key) not in (None, holder):
            return False
        self.keys.set(key, holder, ttl=int(ttl * 1000) / 1000)
        return True

    async def once(self, key: str, ttl: float) -> bool:
        if self.keys.get(f"{PREFIX}once:{key}") is not None:
            return False
        self.keys.set(f"{PREFIX}once:{key}", "1", ttl=int(ttl * 1000) / 1000)
        return True
