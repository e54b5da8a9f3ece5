"""Transcripts: appending messages under an owner guard, reading them in pages, and the turn
of answering (one answer at a time per conversation, across bridges)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from ..models import Conversation, Message

RESEND_WINDOW = 100  # a resend is looked for among the conversation's latest messages
UNDELIVERED = 900  # seconds a message stored but refused (too few replicas) waits for its resend
# The conversation's fields an append returns with the message (`Appended.conversation`).
SNAPSHOT = ("owner", "agent", "department", "queued_at", "first_response_at", "leaving")


@dataclass
class Appended:
    message: Message
    new: bool
    conversation: Conversation  # owner, agent, department, queued_at, first_response_at, leaving
    first_response: bool = False  # this agent reply was the first of its handoff
    pending: int = 0  # visitor messages of the conversation waiting for an answer (visitor's)
    first_write: bool = False  # the visitor's first message: a page view became a conversation
    redeliver: bool = False  # a resend of a message stored but refused: not delivered live yet


@dataclass
class Page:
    """A page of a transcript, oldest first; `more`: there are messages beyond it in the
    direction it was read."""

    messages: list[Message]
    more: bool


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


class Transcripts(Protocol):
    """The messages of conversations, and whose turn it is to answer them."""

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

    def turn(self, conversation_id: str, ttl: float) -> AbstractAsyncContextManager[Turn]:
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
                         limit: int = 200) -> Page:
        """Up to `limit` messages after `after` (from the start without it), oldest first;
        `more` when there are later ones. ValueError for a malformed id."""

    async def page_before(self, conversation_id: str, before: str | None = None,
                          limit: int = 200) -> Page:
        """Up to `limit` messages just before `before` (the latest without it), oldest first;
        `more` when there are earlier ones. ValueError for a malformed id."""
