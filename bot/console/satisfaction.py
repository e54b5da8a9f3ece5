"""The visitors' ratings for Insights: counts and averages per week, department and agent, of
the departments the asking agent may see (`access.departments_of`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ..handoff import access
from ..models import Agent, Role

SCORES = {"poor": 1, "ok": 2, "good": 3}  # the average is on this scale


def tallies(rows: Iterable[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Rows summed by the field `by`: {key, count, average, good, ok, poor}, by key."""
    groups: dict[str, dict[str, int]] = {}
    for row in rows:
        group = groups.setdefault(row[by], dict.fromkeys(SCORES, 0))
        group[row["rating"]] = group.get(row["rating"], 0) + row["count"]
    summed = []
    for key in sorted(groups):
        counts = {rating: groups[key].get(rating, 0) for rating in SCORES}
        count = sum(counts.values())
        total = sum(SCORES[rating] * n for rating, n in counts.items())
        summed.append({"key": key, "count": count,
                       "average": round(total / count, 2) if count else None, **counts})
    return summed


def satisfaction(agent: Agent, departments: Collection[str],
                 rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What `agent` sees of the ratings `rows` (the store's): their departments' only."""
    visible = set(access.departments_of(agent, departments))
    if agent.role is Role.SUPERVISOR:
        visible.add("")  # chats closed before any department was chosen
    mine = [row for row in rows if row["department"] in visible and row["rating"] in SCORES]
    return {"scale": SCORES, "weeks": tallies(mine, "week"),
            "departments": tallies(mine, "department"),
            "agents": tallies([row for row in mine if row["agent"]], "agent")}
