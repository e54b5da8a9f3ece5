"""The storage interface the domain code talks to; Redis details live in `redis_store.py`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import AsyncContextManager, Iterable, Protocol

from .models import Agent, Conversation, Message, Owner, Presence, Ticket


@dataclass
class Appended:
    message: Message
    new: bool
    conversation: Conversation  # owner, agent, department, queued_at, first_response_at, leaving
    first_response: bool = False  # this agent reply was the first of its handoff
    pending: int = 0  # visitor messages of the conversation waiting for an answer (visitor's)
    first_write: bool = False  # the visitor's first message: a page view became a conversation


@dataclass
class Page:
    """A page of a transcript, oldest first; `more`: there are messages beyond it in the
    direction it was read."""

    messages: list[Message]
    more: bool


@dataclass(frozen=True)
class Expect:
    """The state a move expects to find: one of `owners`, and (unless None) that agent and
    department. A move that finds anything else changes nothing."""

    owners: tuple[Owner, ...]
    agent: str | None = None
    department: str | None = None

    @classmethod
    def now(cls, conversation: Conversation) -> "Expect":
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


class NotOwner(Exception):
    """An append refused: its guard found another owner (or there is no such conversation any
    more: None)."""

    def __init__(self, conversation: Conversation | None) -> None:
        super().__init__(conversation.owner.value if conversation else "none")
        self.conversation = conversation


class Turn(Protocol):
    """A conversation's turn, had (`ours`) or not; `head`: its oldest pending message then."""

    ours: bool
    head: str | None

    async def answered(self, message_id: str) -> int:
        """`message_id` has been dealt with, and the turn ends, in one step; returns how many
        messages are still pending."""


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

    async def append(
        self, conversation_id: str, message: Message, guard: str = "", resend: bool = False
    ) -> Appended:
        """Add a message, assigning id and order, in one atomic step that also reads who owns the
        conversation. A `resend` whose client_id is among the conversation's latest messages
        returns the stored message with `new` False (a first send is not looked up).
        `guard` refuses with `NotOwner` unless the owner fits: "bot" (the bot owns it), "*" (any
        agent) or an agent's name (that agent). A visitor message that the bot (or the triage
        step) must answer is recorded as pending in the same step; an agent reply records the
        handoff's first response."""

    async def message(self, conversation_id: str, message_id: str) -> Message | None: ...

    async def next_pending(self, conversation_id: str) -> str | None:
        """The id of the oldest visitor message stored but not yet answered, if any."""

    def turn(self, conversation_id: str, ttl: float) -> AsyncContextManager["Turn"]:
        """Hold the conversation's turn across every bridge (one answer at a time, in order);
        the `Turn` says whether it was had within `ttl` seconds, and which message was the
        oldest pending then (one step: no separate read)."""

    async def messages(
        self, conversation_id: str, after: str | None = None, limit: int = 1000
    ) -> list[Message]:
        """The transcript in order, optionally only what came after message id `after`."""

    async def all_messages(self, conversation_id: str) -> list[Message]:
        """The whole transcript (read in pages): exports and tickets."""

    async def page_after(self, conversation_id: str, after: str | None = None,
                         limit: int = 200) -> "Page":
        """Up to `limit` messages after `after` (from the start without it), oldest first;
        `more` when there are later ones. ValueError for a malformed id."""

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> "Page":
        """Up to `limit` messages just before `before` (the latest without it), oldest first;
        `more` when there are earlier ones. ValueError for a malformed id."""

    # export and erasure (the command line): exact names, never patterns
    async def tickets_where(self, email: str = "", conversation_id: str = "") -> list[Ticket]:
        """Kept tickets left with this email address (any case) or from this conversation."""

    async def conversations_of_user(self, user_id: str) -> list[str]:
        """Conversations of a verified website user."""

    async def conversation_keys(self, conversation_id: str) -> list[str]:
        """The names of what is kept about one conversation now (its tickets included)."""

    async def erase_conversation(self, conversation_id: str) -> list[str]:
        """Delete `conversation_keys` and the conversation's index entries; returns the names."""

    async def erase_ticket(self, ticket_id: str, department: str = "") -> None: ...

    # queues
    async def queue(self, department: str, offset: int = 0, limit: int = -1) -> list[str]:
        """Waiting conversation ids of a department, longest-waiting first (a page of them)."""

    async def queue_length(self, department: str) -> int: ...

    async def queue_position(self, conversation_id: str, department: str) -> int | None:
        """1 for the front of the queue; None when not queued."""

    # agents and presence
    async def save_agent(self, agent: Agent) -> None: ...

    async def get_agent(self, name: str) -> Agent | None: ...

    async def agents(self) -> list[Agent]:
        """Every agent (copies: the store may keep the list until an agent changes)."""

    async def remove_agent(self, name: str) -> bool: ...

    async def agent_chats(self, name: str) -> set[str]: ...

    async def agent_loads(self, names: Iterable[str]) -> dict[str, int]:
        """How many chats each of these agents has now (one round trip)."""

    async def set_presence(self, name: str, presence: Presence) -> None: ...

    async def presences(self) -> dict[str, Presence]: ...

    async def keep_connected(self, names: Iterable[str], ttl: float) -> None:
        """Mark agents as having a live connection (on this bridge) for `ttl` seconds."""

    async def connected(self, names: Iterable[str]) -> set[str]:
        """Which of `names` have a live connection on any bridge."""

    # tickets (left messages) and canned responses
    async def save_ticket(self, ticket: Ticket) -> None: ...

    async def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    async def tickets(self, limit: int = 200, offset: int = 0,
                      department: str = "") -> tuple[list[Ticket], bool]:
        """A page of tickets, newest first (all, or one department's), and whether more follow."""

    async def add_ticket_reply(self, ticket_id: str, reply: dict) -> None:
        """Record an answer to a ticket (atomic: two agents answering both count)."""

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

    # staff sign-in sessions
    async def start_staff_session(self, name: str, ttl: float) -> str:
        """A new sign-in session for the agent, open for `ttl` seconds; returns its id."""

    async def staff_session(self, session: str) -> str | None:
        """The agent whose session this is, while it is open."""

    async def open_staff_sessions(self, sessions: Iterable[str]) -> set[str]:
        """Which of these sessions are still open."""

    async def end_staff_session(self, session: str) -> None: ...

    async def end_staff_sessions(self, name: str) -> int:
        """End every session of the agent (password reset, removal, sign-out everywhere)."""

    # coordination between bridge processes
    async def hit(self, key: str, limit: int, window: float, cost: int = 1) -> bool:
        """Count `cost` events against `limit` per `window` seconds; False when over the limit
        (`cost=0` only looks)."""

    async def lead(self, name: str, holder: str, ttl: float) -> bool:
        """True while `holder` holds the lease `name` (taken or renewed for `ttl` seconds)."""

    async def once(self, key: str, ttl: float) -> bool:
        """True the first time `key` is seen within `ttl` seconds, on any process."""
