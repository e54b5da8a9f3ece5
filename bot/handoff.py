"""Who answers a conversation now: the bot, a queue, or a person. Read top to bottom.

A conversation starts owned by the BOT. The assistant (or the bridge, when Rasa cannot answer)
hands it to a department's QUEUE. An AGENT claims it from the queue; the agent may transfer it,
hand it back to the BOT, or close it. A CLOSED conversation reopens with the bot when the visitor
writes again. Every move is one atomic compare-and-set in the store, so two bridge processes or
two agents racing for the same conversation cannot both win.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .models import Owner
from .storage import Store

# The only moves there are: owner now -> owners it may pass the conversation to.
TRANSITIONS: dict[Owner, frozenset[Owner]] = {
    Owner.BOT: frozenset({Owner.QUEUE, Owner.CLOSED}),
    Owner.QUEUE: frozenset({Owner.AGENT, Owner.BOT, Owner.CLOSED}),
    Owner.AGENT: frozenset({Owner.AGENT, Owner.QUEUE, Owner.BOT, Owner.CLOSED}),
    Owner.CLOSED: frozenset({Owner.BOT}),
}

REASONS = ("requested", "low_confidence", "out_of_scope", "bot_unavailable")


def sources(to: Owner) -> list[Owner]:
    """The owners that may hand a conversation to `to`."""
    return [owner for owner, targets in TRANSITIONS.items() if to in targets]


@dataclass
class HandoffRequest:
    """Why the bot is handing over, and what it guessed: everything the agent will see."""

    reason: str
    confidence: float = 0.0
    intent_ranking: list[dict[str, Any]] | None = None
    department: str = ""
    text: str = ""

    @classmethod
    def from_signal(cls, signal: dict[str, Any]) -> "HandoffRequest":
        """Read the custom payload of Rasa's `action_handoff`."""
        reason = str(signal.get("reason") or "requested")
        ranking = signal.get("intent_ranking") or []
        return cls(
            reason=reason if reason in REASONS else "requested",
            confidence=float(signal.get("confidence") or 0.0),
            intent_ranking=[
                {"name": str(i.get("name")), "confidence": float(i.get("confidence") or 0)}
                for i in ranking
                if isinstance(i, dict)
            ][:5],
            department=str(signal.get("department") or ""),
            text=str(signal.get("text") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "confidence": self.confidence,
            "intent_ranking": self.intent_ranking or [],
            "department": self.department,
            "text": self.text,
        }


class Handoff:
    """The state machine over a `Store`: each method is one allowed move."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def owner(self, conversation_id: str) -> Owner | None:
        conversation = await self.store.get_conversation(conversation_id)
        return conversation.owner if conversation else None

    async def to_queue(self, conversation_id: str, request: HandoffRequest) -> bool:
        """The bot hands over: the conversation waits in a queue for a person."""
        return await self.store.transition(
            conversation_id,
            [Owner.BOT],
            Owner.QUEUE,
            handoff=json.dumps(request.to_dict()),
            department=request.department,
        )

    async def claim(self, conversation_id: str, agent: str) -> bool:
        """An agent takes a waiting conversation; exactly one of several racing agents wins."""
        return await self.store.transition(conversation_id, [Owner.QUEUE], Owner.AGENT, agent=agent)

    async def hand_back(self, conversation_id: str) -> bool:
        """A person gives the conversation back to the bot."""
        return await self.store.transition(
            conversation_id, [Owner.QUEUE, Owner.AGENT], Owner.BOT, agent=""
        )

    async def close(self, conversation_id: str) -> bool:
        return await self.store.transition(conversation_id, sources(Owner.CLOSED), Owner.CLOSED)

    async def reopen(self, conversation_id: str) -> bool:
        """A visitor writes into a closed conversation: the bot answers again."""
        return await self.store.transition(conversation_id, [Owner.CLOSED], Owner.BOT, agent="")
