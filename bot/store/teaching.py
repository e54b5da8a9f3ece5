"""Teaching: the visitor messages the bot did not answer, and the examples people taught it."""

from __future__ import annotations

from typing import Protocol

from ..models import Learned, Unanswered


class Teaching(Protocol):
    async def add_unanswered(self, entry: Unanswered, cap: int) -> bool:
        """Keep an entry (once per id) for as long as its conversation, listed in its
        department's index of at most `cap` entries (the oldest go); False if already kept."""

    async def unanswered(self, departments: list[str], limit: int) -> list[Unanswered]:
        """The newest entries (at most `limit`) of these departments, newest first."""

    async def get_unanswered(self, entry_id: str) -> Unanswered | None: ...

    async def unanswered_of(self, conversation_id: str) -> list[Unanswered]:
        """The entries of one conversation, oldest first."""

    async def relabel_unanswered(self, entry_id: str, kind: str) -> bool:
        """Change an entry's kind (unsure -> declined); False when it is not kept."""

    async def remove_unanswered(self, entry_ids: list[str]) -> int:
        """Forget entries (taught or ignored); how many were kept."""

    async def learn(self, example: Learned, key: str, cap: int) -> bool:
        """Keep a taught example under `key` (its normalised words: a later label of the same
        words replaces it); False when `cap` examples are kept and this is a new one."""

    async def learned(self) -> list[Learned]:
        """Every taught example, oldest first."""
