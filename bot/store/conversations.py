"""Conversations and the moves of their ownership: the interface, and what a move reports."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from ..models import Conversation, Owner


@dataclass(frozen=True)
class Expect:
    """The state a move expects to find: one of `owners`, and (unless None) that agent and
    department. A move that finds anything else changes nothing. `legal`: the owners the
    handoff table (bot/handoff/machine.py) lets hand a conversation to the move's target; a
    move from any other owner is an error, not a refusal (None: not checked)."""

    owners: tuple[Owner, ...]
    agent: str | None = None
    department: str | None = None
    legal: frozenset[Owner] | None = None

    @classmethod
    def now(cls, conversation: Conversation) -> Expect:
        """Exactly the state just read: owner, agent and department."""
        return cls((conversation.owner,), conversation.agent, conversation.department)


class Outcome(StrEnum):
    MOVED = "moved"
    STALE = "stale"  # the conversation is not in the expected state (any more)
    FULL = "full"  # the receiving agent has no free capacity
    MISSING = "missing"  # no such conversation


@dataclass
class Move:
    """What a `transition` did, and the state it found (owner, agent, department, queued_at,
    picked_at)."""

    outcome: Outcome
    before: Conversation
    first_pickup: bool = False  # moved to an agent for the first time in this handoff

    @property
    def moved(self) -> bool:
        return self.outcome is Outcome.MOVED


class Conversations(Protocol):
    """Conversation records. Ownership moves through `transition`, which also keeps the derived
    indexes (a department's queue, an agent's open chats) consistent in the same atomic step."""

    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    async def visitor_tabs(self, conversation_id: str, change: int) -> None:
        """A visitor's connection joined (+1) or left (-1); the last to leave notes the time."""

    async def get_conversations(self, ids: list[str]) -> list[Conversation]:
        """The ones of `ids` that exist, in order (one round trip)."""

    async def create_conversation(self, conversation: Conversation, secret: str = "") -> bool:
        """Store a new conversation; False when the id is taken. `secret` is what the visitor's
        widget holds to resume it (kept hashed; never the conversation id staff see)."""

    async def resume(self, secret: str) -> Conversation | None:
        """The conversation a visitor's resume secret opens, if any."""

    async def update_conversation(self, conversation_id: str, **fields: str) -> None: ...

    async def retag(self, conversation_id: str, add: str, remove: str, cap: int) -> list[str] | None:
        """Atomically add the tag `add` (unless already there or `cap` tags are) and remove the
        tag `remove` ('' for none; tags are normalised by bot/tags.py, no spaces); the tags
        after, in the order added. None when there is no such conversation."""

    async def transition(
        self,
        conversation_id: str,
        expect: Expect,
        to: Owner,
        *,
        capacity: int | None = None,
        score: float | None = None,
        **fields: str,
    ) -> Move:
        """Atomically move ownership to `to` if the conversation is in the `expect`ed state
        (and, moving to an agent, if that agent has fewer than `capacity` open chats), keeping
        the queue and agent indexes in step. Moving to a queue, `score` orders it (default:
        `queued_at`, else now). The first move to an agent in a handoff sets `picked_at`."""
