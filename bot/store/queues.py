"""Department queues: the conversations waiting for a person, longest-waiting first."""

from __future__ import annotations

from typing import Protocol


class Queues(Protocol):
    """Read-only: conversations enter and leave queues only through `transition`."""

    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        """Waiting conversation ids of a department, longest-waiting first (a page of them)."""

    async def queue_scores(self, department: str, offset: int = 0,
                           limit: int = -1) -> list[tuple[str, float]]:
        """`queue` with each chat's place in line (its score: when it began to wait, 0 for the
        front), so that queues of several departments can be merged in waiting order."""

    async def queue_length(self, department: str) -> int: ...

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        """1 for the front of the queue; None when not queued."""
