"""The domain's nouns: conversations, their owners, and the messages in them."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Owner(StrEnum):
    """Who answers the visitor now."""

    BOT = "bot"
    TRIAGE = "triage"  # handed over; the visitor is picking a department
    QUEUE = "queue"
    AGENT = "agent"
    CLOSED = "closed"


# Owners whose visitor messages the bridge itself answers: the store's append marks them
# *pending* until answered (both stores read this set; bot/handoff/responder.py decides).
PENDING = frozenset({Owner.BOT, Owner.TRIAGE, Owner.CLOSED})


class Sender(StrEnum):
    VISITOR = "visitor"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"
    NOTE = "note"  # an agents-only internal note: never sent to the visitor


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"




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
    def from_fields(cls, id: str, fields: dict[str, str]) -> Message:
        return cls(
            id=id,
            sender=Sender(fields["sender"]),
            text=fields.get("text", ""),
            ts=float(fields.get("ts") or 0),
            client_id=fields.get("client_id", ""),
            data=json.loads(fields.get("data") or "{}"),
        )


CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")  # how conversations are named: new_conversation_id


def new_conversation_id() -> str:
    """A fresh conversation id (32 lowercase hex digits)."""
    return secrets.token_hex(16)


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
    queued_at: float = 0.0  # when this handoff began waiting (kept across transfers)
    picked_at: float = 0.0  # first pick-up by a person in this handoff (0: not yet)
    waiting_since: float = 0.0  # when it last entered a queue (a transfer or requeue: again)
    first_response_at: float = 0.0  # first agent reply in this handoff (0: not yet)
    rating: str = ""
    rated_agent: str = ""  # who had the chat when it closed: the one its rating is about
    user_id: str = ""
    visitor: dict[str, Any] = field(default_factory=dict)
    visitor_tabs: int = 0  # the visitor's open connections (kept by the store, not to_fields)
    visitor_left_at: float = 0.0  # when the last of them closed
    leaving: str = ""  # leaving a message by chat: "email" (asked for it), "to:ADDRESS" (got it)
    email: str = ""  # the address the visitor left a message with (transcripts go there)
    last_agent: str = ""  # who last had it (bot/history.py): preferred when the visitor returns
    tags: list[str] = field(default_factory=list)  # agents' labels (bot/tags.py), set by `retag`

    def to_fields(self) -> dict[str, str]:
        return {
            "owner": self.owner.value,
            "created_at": repr(self.created_at),
            "updated_at": repr(self.updated_at),
            "department": self.department,
            "agent": self.agent,
            "handoff": json.dumps(self.handoff, separators=(",", ":")),
            "page_url": self.page_url,
            "queued_at": repr(self.queued_at),
            "picked_at": repr(self.picked_at),
            "waiting_since": repr(self.waiting_since),
            "first_response_at": repr(self.first_response_at),
            "rating": self.rating,
            "rated_agent": self.rated_agent,
            "user_id": self.user_id,
            "visitor": json.dumps(self.visitor, separators=(",", ":")),
        }

    def summary(self, now: float | None = None) -> dict[str, Any]:
        """What an agent sees of a conversation in a list or on pick-up; given `now`, with
        its "Waited" figure (`waited_seconds`, see `waited`) when it has one."""
        summary = {
            "id": self.id,
            "owner": self.owner.value,
            "department": self.department,
            "agent": self.agent,
            "handoff": self.handoff,
            "page_url": self.page_url,
            "created_at": self.created_at,
            "queued_at": self.queued_at,
            "picked_at": self.picked_at,
            "waiting_since": self.waiting_since,
            "first_response_at": self.first_response_at,
            "rating": self.rating,
            "user_id": self.user_id,
            "visitor": self.visitor,
            "visitor_online": self.visitor_tabs > 0,
            "tags": self.tags,
        }
        waited = None if now is None else self.waited(now)
        if waited is not None:
            summary["waited_seconds"] = round(waited, 1)
        return summary

    def in_queue_since(self) -> float:
        """When the chat last entered its queue (`queued_at` for chats stored before
        `waiting_since` existed)."""
        return self.waiting_since or self.queued_at

    def waited(self, now: float) -> float | None:
        """The console's "Waited": while in a queue, the wait since it last entered it; once
        picked up, the wait until the handoff's first pick-up (fixed); None if never queued."""
        if self.owner is Owner.QUEUE and self.in_queue_since():
            return max(0.0, now - self.in_queue_since())
        if self.picked_at and self.queued_at:
            return max(0.0, self.picked_at - self.queued_at)
        return None

    @classmethod
    def from_fields(cls, id: str, fields: dict[str, str]) -> Conversation:
        return cls(
            id=id,
            owner=Owner(fields.get("owner", Owner.BOT)),
            created_at=float(fields.get("created_at") or 0),
            updated_at=float(fields.get("updated_at") or 0),
            department=fields.get("department", ""),
            agent=fields.get("agent", ""),
            handoff=json.loads(fields.get("handoff") or "{}"),
            page_url=fields.get("page_url", ""),
            queued_at=float(fields.get("queued_at") or 0),
            picked_at=float(fields.get("picked_at") or 0),
            waiting_since=float(fields.get("waiting_since") or 0),
            first_response_at=float(fields.get("first_response_at") or 0),
            rating=fields.get("rating", ""),
            rated_agent=fields.get("rated_agent", ""),
            user_id=fields.get("user_id", ""),
            visitor=json.loads(fields.get("visitor") or "{}"),
            visitor_tabs=int(fields.get("visitor_tabs") or 0),
            visitor_left_at=float(fields.get("visitor_left_at") or 0),
            leaving=fields.get("leaving", ""),
            email=fields.get("email", ""),
            last_agent=fields.get("last_agent", ""),
            tags=fields.get("tags", "").split(),
        )


@dataclass
class Agent:
    """A person who answers handed-off chats; supervisors also manage canned responses."""

    name: str
    display_name: str
    department: str
    role: Role = Role.AGENT
    capacity: int = 3
    password_hash: str = ""

    def to_fields(self) -> dict[str, str]:
        return {
            "display_name": self.display_name,
            "department": self.department,
            "role": self.role.value,
            "capacity": str(self.capacity),
            "password_hash": self.password_hash,
        }

    @classmethod
    def from_fields(cls, name: str, fields: dict[str, str]) -> Agent:
        return cls(
            name=name,
            display_name=fields.get("display_name") or name,
            department=fields.get("department", "general"),
            role=Role(fields.get("role", Role.AGENT)),
            capacity=int(fields.get("capacity") or 3),
            password_hash=fields.get("password_hash", ""),
        )

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "department": self.department,
            "role": self.role.value,
            "capacity": self.capacity,
        }


@dataclass
class Ticket:
    """A message a visitor left when nobody could answer live; agents reply by email."""

    id: str
    conversation_id: str
    name: str
    email: str
    message: str
    department: str = ""
    created_at: float = 0.0
    status: str = "open"
    replies: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Ticket:
        fields = json.loads(raw)
        fields.pop("transcript", None)  # tickets stored before they referred to the conversation
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Unanswered:
    """A visitor message the bot did not answer (or whose answer the visitor rejected), kept
    for teaching: `kind` is unsure, declined, handoff or rejected; `guesses` the bot's likely
    topics, best first."""

    conversation_id: str
    message_id: str
    text: str
    kind: str
    department: str = ""
    guesses: list[str] = field(default_factory=list)
    ts: float = 0.0

    @property
    def id(self) -> str:
        return f"{self.conversation_id}:{self.message_id}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Unanswered:
        return cls(**json.loads(raw))


@dataclass
class Learned:
    """An example taught in the console: the words and what they mean (a FAQ intent or
    out_of_scope), who taught it and when; no visitor identity."""

    text: str
    intent: str
    by: str
    at: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Learned:
        return cls(**json.loads(raw))
