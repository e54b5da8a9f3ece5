"""Figures for the Insights page: daily tallies and recent measurements."""

from __future__ import annotations

import json
import time
from typing import Any, Protocol


def week(now: float) -> str:
    """The ISO week of a time (UTC), as YYYY-Www."""
    return time.strftime("%G-W%V", time.gmtime(now))


def rating_rows(week: str, tallies: dict[str, str]) -> list[dict[str, Any]]:
    """A week's tally hash as rows, in field order."""
    rows = []
    for field in sorted(tallies):
        department, agent, rating = json.loads(field)
        rows.append({"week": week, "department": department, "agent": agent, "rating": rating,
                     "count": int(tallies[field])})
    return rows


class Insights(Protocol):
    async def count(self, field: str, amount: int = 1) -> None:
        """Add to today's tally of `field` (conversations, handoffs, handoff:<reason>...)."""

    async def sample(self, name: str, value: float) -> None:
        """Keep a recent measurement (queue_wait, first_response), the last 1,000 of each."""

    async def recent_samples(self, name: str, count: int) -> list[float]:
        """The latest `count` measurements of `name` (at most the 1,000 kept), newest first."""

    async def rate(self, conversation_id: str, department: str, agent: str, rating: str) -> bool:
        """Count the conversation's rating in this week's tallies, under its department and
        the agent it is about; False (nothing counted) when it was rated already."""

    async def insights(self, days: int) -> dict[str, Any]:
        """Daily tallies for the last `days` days, the kept samples, and `ratings`: [{week,
        department, agent, rating, count}] of the weeks those days fall in."""
