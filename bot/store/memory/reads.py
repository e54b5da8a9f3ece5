"""Read marks in memory."""

from __future__ import annotations

from .. import keys
from ..reads import order
from .base import MemoryPart


class MemoryReadMarks(MemoryPart):
    """`ReadMarks` in memory."""

    async def mark_read(self, conversation_id: str, side: str, message_id: str) -> bool:
        key = keys.read_marks(conversation_id)
        marks = self.keys.make(key, dict)
        if side in marks and order(message_id) <= order(marks[side]):
            return False
        marks[side] = message_id
        self.keys.expire(key, self.retention)
        return True

    async def read_marks(self, conversation_id: str) -> dict[str, str]:
        return dict(self._hash(keys.read_marks(conversation_id)))
