"""Where Frontdesk keeps its state (see the package docstring below, written in step 2)."""

from __future__ import annotations

from .canned import Canned
from .conversations import Conversations, Expect, Move, Outcome
from .coordination import Coordination
from .erasure import Erasure
from .insights import Insights
from .people import Agents, StaffSessions
from .queues import Queues
from .store import Store
from .tickets import Tickets
from .transcripts import Appended, NotOwner, Page, Transcripts, Turn

__all__ = [
    "Agents", "Appended", "Canned", "Conversations", "Coordination", "Erasure", "Expect",
    "Insights", "Move", "NotOwner", "Outcome", "Page", "Queues", "StaffSessions", "Store",
    "Tickets", "Transcripts", "Turn",
]
