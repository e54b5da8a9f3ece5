"""The domain's nouns: conversations, their owners, and the messages in them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Owner(StrEnum):
    """Who answers the visitor now."""

    BOT = "bot"
    QUEUE = "queue"
    AGENT = "agent"
    CLOSED = "closed"


class Sender(StrEnum):
    VISITOR = "visitor"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass
class Message:
    """One line of a transcript; `id` is assigned by the store and orders the transcript."""

    sender: Sender
    text: str
    id: str = ""
    ts: float = 0.0
    client_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_fields(self) -> dict[str, str]:
        """Flat string fields, as a store keeps them."""
        return {
            "sender": self.sender.value,
            "text": self.text,
            "ts": repr(self.ts),
            "client_id": self.client_id,
            "data": json.dumps(self.data, separators=(",", ":")),
        }

    @classmethod
    def from_fields(cls, id: str, fields: dict[str, str]) -> "Message":
        return cls(
            id=id,
            sender=Sender(fields["sender"]),
            text=fields.get("text", ""),
            ts=float(fields.get("ts") or 0),
            client_id=fields.get("client_id", ""),
            data=json.loads(fields.get("data") or "{}"),
        )


@dataclass
class Conversation:
    """A visitor's conversation and who owns it."""

    id: str
    owner: Owner = Owner.BOT
    created_at: float = 0.0
    updated_at: float = 0.0
    department: str = ""
    agent: str = ""
    handoff: dict[str, Any] = field(default_factory=dict)
    page_url: str = ""

    def to_fields(self) -> dict[str, str]:
        return {
            "owner": self.owner.value,
            "created_at": repr(self.created_at),
            "updated_at": repr(self.updated_at),
            "department": self.department,
            "agent": self.agent,
            "handoff": json.dumps(self.handoff, separators=(",", ":")),
            "page_url": self.page_url,
        }

    @classmethod
    def from_fields(cls, id: str, fields: dict[str, str]) -> "Conversation":
        return cls(
            id=id,
            owner=Owner(fields.get("owner", Owner.BOT)),
            created_at=float(fields.get("created_at") or 0),
            updated_at=float(fields.get("updated_at") or 0),
            department=fields.get("department", ""),
            agent=fields.get("agent", ""),
            handoff=json.loads(fields.get("handoff") or "{}"),
            page_url=fields.get("page_url", ""),
        )
