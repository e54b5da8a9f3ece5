"""Figures for the Insights page: daily tallies and recent measurements."""

from __future__ import annotations

from typing import Any, Protocol


class Insights(Protocol):
    async def count(self, field: str, amount: int = 1) -> None:
        """Add to today's tally of `field` (conversations, handoffs, handoff:<reason>...)."""

    async def sample(self, name: str, value: float) -> None:
        """Keep a recent measurement (queue_wait, first_response), the last 1,000 of each."""

    async def recent_samples(self, name: str, count: int) -> list[float]:
        """The latest `count` measurements of `name` (at most the 1,000 kept), newest first."""

    async def insights(self, days: int) -> dict[str, Any]:
        """Daily tallies for the last `days` days and the kept samples."""
