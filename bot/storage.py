"""The storage interface the domain code talks to; Redis details live in `redis_store.py`."""

from __future__ import annotations

from typing import Iterable, Protocol

from .models import Conversation, Message, Owner


class Store(Protocol):
    """Where conversations and transcripts live: the one source of truth."""

    async def ping(self) -> bool:
        """True when the store answers."""

    async def close(self) -> None: ...

    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    async def create_conversation(self, conversation: Conversation) -> bool:
        """Store a new conversation; False when the id is taken."""

    async def transition(
        self, conversation_id: str, allowed_from: Iterable[Owner], to: Owner, **fields: str
    ) -> bool:
        """Atomically move ownership to `to` if the current owner is one of `allowed_from`."""

    async def append(self, conversation_id: str, message: Message) -> tuple[Message, bool]:
        """Add a message, assigning id and order; a repeated client_id returns the stored one
        and False."""

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        """The transcript in order, optionally only what came after message id `after`."""
