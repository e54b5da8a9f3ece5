"""Rate limits of Socket.IO events, kept in this process's memory (sliding logs).

A visitor event is counted for its connection, its conversation and its network address, so
reconnecting or opening more tabs does not reset anything; an agent event for its connection.
Nothing here costs a Redis call: a connection, and in practice an address (sticky load
balancing), lives on one bridge process. Each check costs O(1) amortised whatever the number of
visitors; idle keys are dropped in sweeps spread over many checks.

`Slots` bounds what is in progress at once rather than how often (downloads being sent).

(The `limits` library was tried first: its asyncio memory storage sweeps every key, with a
thread hop per key, on almost every hit, which made the bridge's CPU grow with the number of
visitors; see docs/performance.md.)
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import Refused

SWEEP_EVERY = 10_000  # checks between two sweeps of idle keys


@dataclass(frozen=True)
class Who:
    """What an event is counted against."""

    connection: str
    conversation: str = ""
    address: str = ""


class Window:
    """At most `limit` events in any `seconds` for each key."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float) -> bool:
        hits = self.hits.get(key)
        if hits is None:
            hits = self.hits[key] = deque()
        while hits and now - hits[0] >= self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def sweep(self, now: float) -> None:
        """Forget keys with no event in the window."""
        for key in [k for k, hits in self.hits.items() if not hits or now - hits[-1] >= self.seconds]:
            del self.hits[key]


Rules = dict[str, list[tuple[str, Window]]]


def visitor_rules(rate: int, address_factor: int) -> Rules:
    """Per visitor event: (scope, window). `rate` messages per 10 s per connection and per
    conversation (VISITOR_RATE); an address may do `address_factor` times as much."""
    return {
        "user_uttered": [("connection", Window(rate, 10)), ("conversation", Window(rate, 10)),
                         ("address", Window(rate * address_factor, 10))],
        "leave_message": [("connection", Window(3, 60)), ("conversation", Window(5, 3600)),
                          ("address", Window(5 * address_factor, 3600))],
        "session_request": [("connection", Window(10, 60)),
                            ("address", Window(30 * address_factor, 60))],
        # pages of 200: a 10,000-message transcript is 50 of them
        "history": [("connection", Window(120, 60)),
                    ("address", Window(240 * address_factor, 60))],
        "typing": [("connection", Window(30, 10))],
        "read": [("connection", Window(30, 60))],  # and 30 a minute per conversation (receipts)
        # the hourly caps of transcripts are counted in Redis, for every bridge (bot/transcript_mail.py)
        "email_transcript": [("connection", Window(3, 60))],
        # one entry per bot answer is kept anyway; this bounds the reads
        "reject_answer": [("connection", Window(10, 60)), ("conversation", Window(20, 3600))],
        "*": [("connection", Window(30, 10))],  # anything else, unknown events included
    }


class Limits:
    """Windows per event name and scope."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.checks = 0

    def allow(self, event: str, who: Who) -> bool:
        """Count one `event` by `who`; False when one of its windows is full."""
        now = time.monotonic()
        self.checks += 1
        if self.checks % SWEEP_EVERY == 0:
            for windows in self.rules.values():
                for _, window in windows:
                    window.sweep(now)
        for scope, window in self.rules.get(event) or self.rules["*"]:
            key = getattr(who, scope)
            if key and not window.allow(key, now):
                return False
        return True


def per_connection(rate: int) -> Limits:
    """`rate` events per 10 s for each connection, whatever the event (agents)."""
    return Limits({"*": [("connection", Window(rate, 10))]})


class Slots:
    """At most `per_key` things in progress at once for each key (a network address) and `total`
    in all; the excess is refused at once, never queued."""

    def __init__(self, per_key: int, total: int) -> None:
        self.per_key = per_key
        self.total = total
        self.held: Counter[str] = Counter()  # key -> slots it holds (keys holding none dropped)
        self.taken = 0

    @contextmanager
    def slot(self, key: str, busy: Refused, full: Refused) -> Iterator[None]:
        """Held for the block; raises `busy` when `key` has all its slots, `full` when all are
        taken."""
        if self.held[key] >= self.per_key:
            raise busy
        if self.taken >= self.total:
            raise full
        self.held[key] += 1
        self.taken += 1
        try:
            yield
        finally:
            self.taken -= 1
            self.held[key] -= 1
            if not self.held[key]:
                del self.held[key]
