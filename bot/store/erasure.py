"""Export and erasure for the command line (bot/privacy.py): exact names, never patterns."""

from __future__ import annotations

from typing import Protocol


class Erasure(Protocol):
    async def conversations_of_user(self, user_id: str) -> list[str]:
        """Conversations of a verified website user."""

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """The names of what is kept about one conversation now (its tickets included)."""

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        """Delete `conversation_keys` and the conversation's index entries; returns the names."""
