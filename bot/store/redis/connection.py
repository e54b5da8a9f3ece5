"""What every Redis part of the store shares: one bounded client, retention, scripts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Self

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript

from ... import redis_address
from .. import keys


def connection_options(max_connections: int) -> dict[str, Any]:
    """How every Redis connection of a bridge behaves (the store's pool and the Socket.IO
    manager's): bounded, health-checked, and retried with jittered exponential backoff when a
    connection breaks (a Redis restart leaves stale pooled connections behind)."""
    return {
        "max_connections": max_connections,
        "health_check_interval": 30,
        "socket_connect_timeout": 5,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=2.0), retries=4),
        "retry_on_error": [aioredis.ConnectionError, aioredis.TimeoutError],
    }


class Unreplicated(aioredis.ConnectionError):
    """Fewer replicas than REDIS_MIN_REPLICAS confirmed a write in time: the client is told
    `unavailable` (bot/errors.py) and resends, which is de-duplicated."""


class RedisPart:
    """The base of each per-concept part of `RedisStore` (bot/store/redis/__init__.py): they
    all share this one connection pool and these retention times."""

    def __init__(
        self, url: str, max_connections: int = 64, retention: int = 90 * 86400,
        unwritten: float = 1800, min_replicas: int = 0, replica_timeout: float = 0.5,
    ) -> None:
        self.retention = retention  # seconds a conversation is kept after its last activity
        self.unwritten = int(unwritten)  # seconds a conversation nobody wrote in is kept
        self.min_replicas = min_replicas  # replicas that must have an acknowledged message
        self.replica_timeout = replica_timeout  # seconds to wait for them (`replicated`)
        # A bounded pool that waits for a free connection instead of failing under bursts.
        pool = redis_address.pool(url, decode_responses=True, socket_timeout=10, timeout=20,
                                  **connection_options(max_connections))
        # Replies are str (decode_responses), which redis-py's types (bytes | str) cannot say.
        self.redis: Any = aioredis.Redis(connection_pool=pool)
        self._scripts: dict[str, AsyncScript] = {}

    def script(self, source: str) -> AsyncScript:
        """The Lua `source` registered on this client (EVALSHA, loaded again when missing)."""
        if source not in self._scripts:
            self._scripts[source] = self.redis.register_script(source)
        return self._scripts[source]

    async def run_declaring(self, source: str, names: list[str], args: list[Any], *,
                            status_at: int, asked_at: int, attempts: int = 4,
                            client: Any = None) -> list[Any] | None:
        """Run a script that may ask for keys it was not given (bot/store/keys.py: status
        `UNDECLARED` at `status_at`, the names from `asked_at` on; nothing changed), again with
        them declared; None when it still asks after `attempts` calls (the state it reads kept
        changing)."""
        for _ in range(attempts):
            result: list[Any] = await self.script(source)(keys=names, args=args, client=client)
            if result[status_at] != keys.UNDECLARED:
                return result
            names = [*names, *result[asked_at:]]
        return None

    async def replicated(self, one: Any, wrote: bool) -> None:
        """Wait until REDIS_MIN_REPLICAS replicas have every write so far of the connection `one`
        (a client on one connection: WAIT counts that connection's writes), at most
        REDIS_REPLICA_TIMEOUT; `Unreplicated` past it. When `one` wrote nothing (a resend found
        stored), a short-lived write first covers whatever the earlier send wrote."""
        if not wrote:
            await one.set(keys.REPLICATED, "1", ex=60)
        try:
            have = await one.wait(self.min_replicas, max(1, int(self.replica_timeout * 1000)))
        except aioredis.ResponseError as error:  # "WAIT cannot be used with replica instances"
            if "replica" not in str(error).lower():
                raise
            # The server was made a replica in a failover after the write: whether the new
            # primary has it is not known, so the client resends (de-duplicated), as on a lag.
            raise Unreplicated(f"the server became a replica: {error}") from error
        if int(have) < self.min_replicas:
            raise Unreplicated(f"{have} of {self.min_replicas} replicas confirmed the write")

    async def durable(self) -> None:
        """`Store.durable`: a short-lived write and WAIT on one connection. Replication is one
        ordered stream, so replicas that have this write have every earlier one of any
        connection (the move just made on another connection of the pool)."""
        if self.min_replicas:
            async with self.redis.client() as one:
                await self.replicated(one, wrote=False)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (OSError, aioredis.RedisError):
            return False

    async def close(self) -> None:
        await self.redis.aclose(close_connection_pool=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _present(self, key: Callable[[str], str], names: Iterable[str]) -> set[str]:
        """Which of `names` have a live `key(name)` (one MGET)."""
        names = list(names)
        if not names:
            return set()
        values = await self.redis.mget([key(n) for n in names])
        return {name for name, value in zip(names, values) if value}
