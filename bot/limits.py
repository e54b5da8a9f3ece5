"""A per-connection rate limit kept in memory (a connection lives on one bridge process)."""

from __future__ import annotations

import time
from collections import deque


class RateLimit:
    """At most `limit` events per `window` seconds for each key (a Socket.IO sid)."""

    def __init__(self, limit: int, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        events = self._events.setdefault(key, deque())
        while events and now - events[0] > self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def forget(self, key: str) -> None:
        self._events.pop(key, None)
