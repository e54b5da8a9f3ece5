"""The storage interface the domain code talks to; Redis details live in `redis_store.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from .models import Agent, Conversation, Message, Owner, Presence, Ticket


@dataclass
class Appended:
    message: Message
    new: bool
    conversation: Conversation  # owner, agent, department, queued_at, first_response_at only


class NotOwner(Exception):
    """An append guarded by `only_agent` found another owner (or no conversation: None)."""

    def __init__(self, conversation: Conversation | None) -> None:
        super().__init__(conversation.owner.value if conversation else "none")
        self.conversation = conversation


class Store(Protocol):
    """Where conversations, transcripts, queues, agents and tickets live: the one source of truth.

    Ownership moves through `transition`, which also keeps the derived indexes (a department's
    queue, an agent's open chats) consistent in the same atomic step.
    """

    async def ping(self) -> bool:
        """True when the store answers."""

    async def close(self) -> None: ...

    # conversations and transcripts
    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    async def create_conversation(self, conversation: Conversation) -> bool:
        """Store a new conversation; False when the id is taken."""

    async def update_conversation(self, conversation_id: str, **fields: str) -> None: ...

    async def transition(
        self,
        conversation_id: str,
        allowed_from: Iterable[Owner],
        to: Owner,
        *,
        capacity: int | None = None,
        score: float | None = None,
        **fields: str,
    ) -> bool:
        """Atomically move ownership to `to` if the current owner is one of `allowed_from`
        (and, moving to an agent, if that agent has fewer than `capacity` open chats).
        Moving to a queue, `score` orders it (default: `queued_at`, else now)."""

    async def append(
        self, conversation_id: str, message: Message, only_agent: str = ""
    ) -> Appended:
        """Add a message, assigning id and order, in one atomic step that also reads who owns the
        conversation. A repeated client_id returns the stored message with `new` False.
        `only_agent` (an agent's name, or "*" for any agent) refuses with `NotOwner` unless an
        agent, that one, owns the conversation."""

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        """The transcript in order, optionally only what came after message id `after`."""

    # queues
    async def queue(self, department: str) -> list[str]:
        """Waiting conversation ids of a department, longest-waiting first."""

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        """1 for the front of the queue; None when not queued."""

    # agents and presence
    async def save_agent(self, agent: Agent) -> None: ...

    async def get_agent(self, name: str) -> Agent | None: ...

    async def agents(self) -> list[Agent]: ...

    async def remove_agent(self, name: str) -> bool: ...

    async def agent_chats(self, name: str) -> set[str]: ...

    async def set_presence(self, name: str, presence: Presence) -> None: ...

    async def presences(self) -> dict[str, Presence]: ...

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        """Mark agents as having a live connection (on this bridge) for `ttl` seconds."""

    async def connected(self, names: Iterable[str]) -> set[str]:
        """Which of `names` have a live connection on any bridge."""

    # tickets (left messages) and canned responses
    async def save_ticket(self, ticket: Ticket) -> None: ...

    async def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    async def tickets(self, limit: int = 200) -> list[Ticket]: ...

    async def canned(self, department: str) -> dict[str, str]: ...

    async def set_canned(self, department: str, key: str, text: str) -> None: ...

    async def delete_canned(self, department: str, key: str) -> bool: ...

    # figures for the Insights page
    async def count(self, field: str, amount: int = 1) -> None:
        """Add to today's tally of `field` (conversations, handoffs, handoff:<reason>...)."""

    async def sample(self, name: str, value: float) -> None:
        """Keep a recent measurement (queue_wait, first_response), the last 1,000 of each."""

    async def insights(self, days: int) -> dict:
        """Daily tallies for the last `days` days and the kept samples."""

    # coordination between bridge processes
    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        """Count `cost` events against `limit` per `window` seconds; False when over the limit
        (`cost=0` only looks)."""

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        """True while `holder` holds the lease `name` (taken or renewed for `ttl` seconds)."""

    async def once(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, on any process."""
