"""Seen receipts: each side of a conversation marks the last message it has read; the other
side is told (the visitor `agent_read`, the consoles following the chat `visitor_read`), on
every bridge through the conversation's rooms. Marks only move forward and only to a message of
that conversation the side may read; `READS_PER_MINUTE` per conversation and side (counted in
the store, for every bridge)."""

from __future__ import annotations

from typing import Any, Protocol

from .errors import Refused
from .events import ReadMark, VisitorEvent
from .models import Sender
from .relay import Relay
from .store import Store

READS_PER_MINUTE = 30


async def read(store: Store, relay: Relay, conversation_id: str, side: str,
               message_id: str) -> bool:
    """`side` ("visitor" or "agent") has read up to `message_id`: kept and told to the other
    side when it moves the mark forward (False: it did not)."""
    if not await store.hit(f"read:{side}:{conversation_id}", READS_PER_MINUTE, 60):
        raise Refused("rate_limited", "Too many read marks; wait a few seconds.")
    try:
        message = await store.message(conversation_id, message_id)
    except ValueError:
        message = None
    if message is None or (side == "visitor" and message.sender is Sender.NOTE):
        raise Refused("not_found", "There is no such message in this conversation.")
    if not await store.mark_read(conversation_id, side, message_id):
        return False
    if side == "agent":
        await relay.to_visitor(conversation_id, "agent_read", {"message_id": message_id})
        return True
    conversation = await store.get_conversation(conversation_id)
    if conversation is not None:
        await relay.to_followers(conversation, "visitor_read",
                                 {"conversation_id": conversation_id, "message_id": message_id})
    return True


class VisitorSide(Protocol):
    """What these handlers need of the visitors' namespace (bot/visitor.py)."""

    store: Store
    relay: Relay

    async def bound_conversation(self, sid: str, payload: VisitorEvent) -> str: ...

    async def direct(self, sid: str, event: str, payload: Any) -> None: ...


async def on_visitor_read(namespace: VisitorSide, sid: str, payload: ReadMark) -> None:
    """`read` from a widget: the visitor read up to a message; the agent's console shows it."""
    conversation_id = await namespace.bound_conversation(sid, payload)
    await read(namespace.store, namespace.relay, conversation_id, "visitor", payload.message_id)


async def resumed(namespace: VisitorSide, sid: str, conversation_id: str) -> None:
    """A widget that resumes a conversation is told how far the agent has read."""
    seen = (await namespace.store.read_marks(conversation_id)).get("agent")
    if seen:
        await namespace.direct(sid, "agent_read", {"message_id": seen})
