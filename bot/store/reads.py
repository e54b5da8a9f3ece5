"""Read marks: the last message id of a conversation each side (visitor, agent) has read."""

from __future__ import annotations

from typing import Protocol

SIDES = ("visitor", "agent")


def order(message_id: str) -> tuple[int, int]:
    """A stream id as a comparable pair ("1795432153026-0" -> (1795432153026, 0))."""
    ms, _, seq = message_id.partition("-")
    return int(ms), int(seq or 0)


class ReadMarks(Protocol):
    async def mark_read(self, conversation_id: str, side: str, message_id: str) -> bool:
        """Move `side`'s mark forward to `message_id` (kept as long as conversations are);
        False when it was there or further already."""

    async def read_marks(self, conversation_id: str) -> dict[str, str]:
        """Each side's mark that there is: {"visitor": id, "agent": id}."""
