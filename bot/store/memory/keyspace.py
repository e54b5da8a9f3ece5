"""Redis' keyspace in memory: values with an expiry on an injected clock, stream ids and streams."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from ..keys import PREFIX

Clock = Callable[[], float]  # seconds since the epoch, like time.time


MAX_ID = 2**64 - 1


class ManualClock:
    """A clock that moves only when told to (`advance`): TTLs expire when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Keyspace:
    """Redis' keyspace as far as the store needs it: a value per key, an optional expiry read
    through the clock (a key is gone once the clock is past it), and containers that vanish
    when emptied."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.values: dict[str, Any] = {}
        self.expiry: dict[str, float] = {}

    def get(self, key: str) -> Any:
        if key in self.expiry and self.clock() > self.expiry[key]:
            self.delete(key)
        return self.values.get(key)

    def make(self, key: str, empty: Callable[[], Any]) -> Any:
        """The container at `key`, created (with no expiry) if missing."""
        value = self.get(key)
        if value is None:
            value = self.values[key] = empty()
        return value

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """SET: a new value, with this expiry or none (SET drops an old one)."""
        if ttl is not None and ttl <= 0:
            raise ValueError("invalid expire time")
        self.values[key] = value
        self.expiry.pop(key, None)
        if ttl is not None:
            self.expiry[key] = self.clock() + ttl

    def delete(self, key: str) -> bool:
        self.expiry.pop(key, None)
        return self.values.pop(key, None) is not None

    def exists(self, key: str) -> bool:
        return self.get(key) is not None

    def expire(self, key: str, ttl: float) -> None:
        """EXPIRE/PEXPIRE: only an existing key; a time not in the future deletes it."""
        if not self.exists(key):
            return
        if ttl <= 0:
            self.delete(key)
        else:
            self.expiry[key] = self.clock() + ttl

    def tidy(self, key: str) -> None:
        """A container emptied by a removal is gone, as in Redis."""
        if key in self.values and not self.values[key]:
            self.delete(key)

    def names(self, prefix: str) -> list[str]:
        return [key for key in list(self.values) if key.startswith(prefix) and self.exists(key)]


def index_range(items: list[Any], start: int, stop: int) -> list[Any]:
    """Redis' LRANGE/ZRANGE indexes: inclusive, negative from the end, clamped."""
    n = len(items)
    start, stop = start + n if start < 0 else start, stop + n if stop < 0 else stop
    start = max(start, 0)
    if start > stop or start >= n:
        return []
    return items[start:min(stop, n - 1) + 1]


StreamId = tuple[int, int]
_STREAM_ID = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_id(text: str, missing_seq: int) -> StreamId:
    """A stream id "<ms>-<seq>" (or "<ms>": `missing_seq` completes it); ValueError otherwise."""
    match = _STREAM_ID.match(text)
    if not match or int(match[1]) > MAX_ID or (match[2] and int(match[2]) > MAX_ID):
        raise ValueError(f"not a message id: {text!r}")
    return int(match[1]), int(match[2]) if match[2] is not None else missing_seq


def format_id(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def after_id(text: str) -> StreamId:
    """The first id after the exclusive start "(`text`" of XRANGE."""
    ms, seq = parse_id(text, 0)
    if (ms, seq) == (MAX_ID, MAX_ID):
        raise ValueError(f"not a message id: {text!r}")
    return (ms, seq + 1) if seq < MAX_ID else (ms + 1, 0)


def before_id(text: str) -> StreamId:
    """The last id before the exclusive end "(`text`" of XREVRANGE."""
    ms, seq = parse_id(text, MAX_ID)
    if (ms, seq) == (0, 0):
        raise ValueError(f"not a message id: {text!r}")
    return (ms, seq - 1) if seq > 0 else (ms - 1, MAX_ID)


class Stream:
    """A Redis stream: entries in id order, ids from the clock's milliseconds as XADD '*'."""

    def __init__(self) -> None:
        self.entries: list[tuple[StreamId, dict[str, str]]] = []
        self.last: StreamId = (0, 0)

    def __bool__(self) -> bool:  # a stream stays while it has entries (none are deleted here)
        return bool(self.entries)

    def add(self, now: float, fields: dict[str, str]) -> str:
        ms = int(now * 1000)
        self.last = (ms, 0) if ms > self.last[0] else (self.last[0], self.last[1] + 1)
        self.entries.append((self.last, fields))
        return format_id(self.last)

    def between(self, low: StreamId, high: StreamId) -> list[tuple[StreamId, dict[str, str]]]:
        return [entry for entry in self.entries if low <= entry[0] <= high]


def _num(text: str) -> float | None:
    """Lua's tonumber: a number, or None."""
    try:
        return float(text)
    except ValueError:
        return None


def _unset(text: str) -> bool:
    """A time field never set: empty or zero (the scripts' `== '' or tonumber(x) == 0`)."""
    return text == "" or _num(text) == 0


def _resume_key(secret: str) -> str:
    return f"{PREFIX}resume:{hashlib.sha256(secret.encode()).hexdigest()}"


