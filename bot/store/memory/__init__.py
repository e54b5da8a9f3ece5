"""`Store` in this process's memory, for fast tests: the same keys and semantics as the Redis one.

Written over a small model of Redis' keyspace (`Keyspace`: values with an expiry, empty
containers vanish, a write to an existing key keeps its expiry) under the same key names as
`RedisStore`, so that each method reads as the Lua script or pipeline it reproduces.
tests/test_store_equivalence.py holds the two to the same results, step by step.

Time comes from an injected clock (`time.time` by default): expiry, `updated_at`, stream ids.
Nothing is shared between processes; every method runs without yielding, so each is atomic.
"""

from __future__ import annotations

from .answers import MemoryAnswers
from .base import MemoryPart
from .conversations import MemoryConversations
from .coordination import MemoryCoordination
from .erasure import MemoryErasure
from .history import MemoryHistory
from .insights import MemoryInsights
from .keyspace import Clock, Keyspace, ManualClock
from .people import MemoryPeople
from .reads import MemoryReadMarks
from .rollout import MemoryRollout
from .transcripts import MemoryTranscripts, MemoryTurn

__all__ = ["Clock", "Keyspace", "ManualClock", "MemoryPart", "MemoryStore", "MemoryTurn"]


class MemoryStore(MemoryConversations, MemoryTranscripts, MemoryPeople, MemoryInsights,
                  MemoryErasure, MemoryCoordination, MemoryRollout, MemoryAnswers,
                  MemoryReadMarks, MemoryHistory):
    """`Store` in memory: one process, one event loop; the parts share `MemoryPart`'s state
    (`MemoryErasure` brings `MemoryTickets` and `MemoryTeaching` with it)."""
