"""Coordination between bridge processes: rate limits, leases and once-only marks."""

from __future__ import annotations

from typing import Protocol


class Coordination(Protocol):
    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        """Count `cost` events against `limit` per `window` seconds; False when over the limit
        (`cost=0` only looks)."""

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        """True while `holder` holds the lease `name` (taken or renewed for `ttl` seconds)."""

    async def once(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, on any process."""
