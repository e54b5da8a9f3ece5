"""`Store`: every narrow interface together, as the domain code receives it."""

from __future__ import annotations

from typing import Protocol

from .answers import Answers
from .canned import Canned
from .conversations import Conversations
from .coordination import Coordination
from .erasure import Erasure
from .history import History
from .insights import Insights
from .people import Agents, StaffSessions
from .queues import Queues
from .reads import ReadMarks
from .rollout import Rollout
from .teaching import Teaching
from .tickets import Tickets
from .transcripts import Transcripts


class Store(Conversations, Transcripts, Queues, Agents, StaffSessions, Tickets, Canned,
            Insights, Coordination, Erasure, Rollout, Answers, Teaching, ReadMarks, History,
            Protocol):
    """Where conversations, transcripts, queues, agents and tickets live: the one source of truth.

    A function that needs only one concept may ask for its narrow interface instead (e.g.
    `Queues`); the methods are the same.
    """

    async def ping(self) -> bool:
        """True when the store answers."""

    async def durable(self) -> None:
        """Return once every write made so far is on REDIS_MIN_REPLICAS replicas (at once
        without replicas); raises `Unreplicated` (answered `unavailable`) past the timeout."""

    async def close(self) -> None: ...
