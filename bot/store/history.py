"""History: past conversations and tickets, found by who the visitor is (their `links`) and by
the words in them (the search index). Entries are `c:<conversation id>` and `t:<ticket id>`;
each is kept under the conversation it came from, so erasing the conversation removes it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from . import keys

HISTORY_CAP = 200  # entries kept per visitor link (the newest)
SEARCH_INDEX_CAP = 2000  # entries kept per department and word (the newest)

Found = list[tuple[str, float]]  # (entry, time), newest first


class History(Protocol):
    async def add_visit(self, conversation_id: str, entry: str, links: Iterable[str],
                        at: float) -> None:
        """Keep `entry` (of `conversation_id`) under each visitor link at time `at`, for the
        retention time; each link keeps its newest HISTORY_CAP entries."""

    async def visits(self, links: Iterable[str], limit: int) -> Found:
        """The newest `limit` entries under any of `links` (each once), newest first (ties by
        entry), none older than the retention time."""

    async def visit_links(self, conversation_id: str) -> list[str]:
        """The links the conversation's entries were kept under (sorted)."""

    async def add_words(self, conversation_id: str, entry: str, department: str,
                        words: Iterable[str], at: float) -> None:
        """Index `entry` (of `conversation_id`) under each word in `department`; each word keeps
        its newest SEARCH_INDEX_CAP entries there."""

    async def find_words(self, department: str, words: list[str], since: float, until: float,
                         limit: int) -> Found:
        """The newest `limit` entries of `department` having every one of `words` (at least
        one), timed within [since, until], newest first (ties by entry)."""


def merged(found: Iterable[Found], limit: int) -> Found:
    """Entries of several indexes, each once (at its newest time), newest first."""
    best: dict[str, float] = {}
    for rows in found:
        for entry, at in rows:
            best[entry] = max(at, best.get(entry, at))
    return sorted(best.items(), key=lambda row: (-row[1], row[0]))[:max(0, limit)]


def common(found: list[Found], limit: int) -> Found:
    """Entries in every one of the indexes (at their newest time), newest first."""
    if not found:
        return []
    shared = set.intersection(*({entry for entry, _ in rows} for rows in found))
    return merged(([row for row in rows if row[0] in shared] for rows in found), limit)


def noted(fields: dict[str, str]) -> list[str]:
    """The `words` keys a `words_of` hash (department -> words) names."""
    return [keys.words(department, word) for department, known in sorted(fields.items())
            for word in known.split()]
