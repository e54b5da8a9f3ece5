"""The memory store's shared state and its small Redis commands over the keyspace."""

from __future__ import annotations

import time

from ..keys import PREFIX
from .keyspace import Clock, Keyspace, Stream


class MemoryPart:
    """What every part of the memory store shares: the clock, the keyspace, small Redis commands."""

    def __init__(self, clock: Clock = time.time, retention: int = 90 * 86400,
                 unwritten: float = 1800) -> None:
        self.clock = clock
        self.retention = retention
        self.unwritten = int(unwritten)
        self.keys = Keyspace(clock)

    # small Redis commands over the keyspace ---------------------------------------------------

    def _hash(self, key: str) -> dict[str, str]:
        return self.keys.get(key) or {}

    def _hset(self, key: str, **fields: str) -> None:
        self.keys.make(key, dict).update(fields)

    def _zset(self, key: str) -> dict[str, float]:
        return self.keys.get(key) or {}

    def _ranked(self, key: str, reverse: bool = False) -> list[str]:
        """A sorted set's members by score, ties by member (as Redis orders them)."""
        members = sorted(self._zset(key).items(), key=lambda item: (item[1], item[0]))
        return [member for member, _ in (members[::-1] if reverse else members)]

    def _zrem(self, key: str, member: str) -> None:
        self._zset(key).pop(member, None)
        self.keys.tidy(key)

    def _srem(self, key: str, member: str) -> None:
        (self.keys.get(key) or set()).discard(member)
        self.keys.tidy(key)

    def _stream(self, conversation_id: str) -> Stream:
        return self.keys.get(f"{PREFIX}msgs:{conversation_id}") or Stream()

    def _pending(self, conversation_id: str) -> list[str]:
        return self.keys.get(f"{PREFIX}pending:{conversation_id}") or []

    async def ping(self) -> bool:
        return True

    async def durable(self) -> None:
        """Nothing to wait for: memory has no replicas."""

    async def close(self) -> None:
        pass

