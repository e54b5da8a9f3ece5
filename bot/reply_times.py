""""Usually replies in N minutes": the median of the latest first responses measured (the time
from a handoff to an agent's first reply, the store's `first_response` samples: the last 1,000,
kept `RETENTION_DAYS`), read from the store at most once a minute per bridge."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

from .store import Store

log = logging.getLogger(__name__)

RECENT = 50  # the latest first responses the figure is the median of
FEWEST = 3  # fewer measured: no figure (one slow or lucky reply says nothing)
EVERY = 60.0  # seconds between two reads of the store


class ReplyTimes:
    def __init__(self, store: Store, every: float = EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.every = every
        self.clock = clock
        self.read_at = -every
        self.value: int | None = None

    async def usual(self) -> int | None:
        """Seconds a person usually takes to reply once asked for, or None (too few measured).
        A store that cannot be read keeps the last figure (it is a hint, not a promise)."""
        now = self.clock()
        if now - self.read_at < self.every:
            return self.value
        self.read_at = now
        try:
            self.value = typical(await self.store.recent_samples("first_response", RECENT))
        except Exception as error:
            log.warning("first response times not read: %s", error)
        return self.value


def typical(samples: list[float]) -> int | None:
    """The median of the measurements, in whole seconds; None for fewer than FEWEST."""
    return round(statistics.median(samples)) if len(samples) >= FEWEST else None
