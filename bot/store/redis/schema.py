"""The format version of what Frontdesk keeps in Redis (`fd:schema`), and the migrations that
bring data written by an earlier release to the format this one reads.

Every bridge calls `ensure_schema` before it listens. The version it finds is

- this release's: nothing to do (the key's expiry is pushed back);
- newer than this release knows: `SchemaTooNew`, and the bridge refuses to start (a newer
  release migrated the data; rolling back needs that release's own rollback, not this code);
- older (or absent: data from before the key existed, or a key that expired after a year with
  no bridge started): one bridge, the holder of the `schema` lease, runs each pending migration
  in order and records the version after each one; the others wait for the version to arrive.

A migration must be idempotent (a bridge that dies half-way leaves the last version recorded,
and the next one runs the rest again) and must leave data the previous release still reads:
during a rolling restart old and new bridges share the one Redis (expand now, remove the old
form one release later)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from .. import keys
from .coordination import RedisCoordination

log = logging.getLogger(__name__)

SCHEMA_TTL = 400 * 86400  # seconds; pushed back by every bridge start
LEASE = "schema"  # the coordination lease of the one bridge migrating


class SchemaTooNew(RuntimeError):
    """The data in Redis was written by a newer release than this one."""


@dataclass(frozen=True)
class Migration:
    """One step of the data format: `run` takes the Redis client and must be idempotent."""

    version: int
    about: str
    run: Callable[[Any], Awaitable[None]]


async def _baseline(redis: Any) -> None:
    """Release 1's format is the format of the data written before `fd:schema` existed."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the version key itself (the data before it is in release 1's format)",
              _baseline),
)


def latest(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return max(m.version for m in migrations)


async def version(redis: Any) -> int:
    """The data's format version; 0 when no version was recorded."""
    found = await redis.hget(keys.SCHEMA, "version")
    return int(found) if found else 0


async def _record(redis: Any, migration: Migration, holder: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.SCHEMA, mapping={"version": migration.version, "about": migration.about,
                                        "by": holder, "at": repr(time.time())})
        pipe.expire(keys.SCHEMA, SCHEMA_TTL)
        await pipe.execute()


async def _migrate(store: RedisCoordination, holder: str, migrations: Sequence[Migration],
                   lease_ttl: float) -> None:
    """Run the pending migrations (the caller holds the lease), renewing the lease between
    steps; stops if the lease was lost (another bridge carries on)."""
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version <= await version(store.redis):
            continue
        if not await store.lead(LEASE, holder, lease_ttl):
            return
        log.warning("Redis data format %d: %s", migration.version, migration.about)
        await migration.run(store.redis)
        await _record(store.redis, migration, holder)


async def _current(store: RedisCoordination, deadline: float) -> int:
    """The version, waiting for Redis to answer (a bridge may start before Redis does)."""
    while True:
        try:
            return await version(store.redis)
        except (aioredis.ConnectionError, aioredis.TimeoutError):
            if time.monotonic() > deadline:
                raise
            log.warning("Redis does not answer yet; waiting to read the data format version")
            await asyncio.sleep(1)


async def ensure_schema(store: RedisCoordination, holder: str,
                        migrations: Sequence[Migration] = MIGRATIONS, lease_ttl: float = 60,
                        wait: float = 300) -> int:
    """Bring Redis's data to this release's format (see the module docstring); returns it."""
    known = latest(migrations)
    deadline = time.monotonic() + wait
    while True:
        current = await _current(store, deadline)
        if current > known:
            raise SchemaTooNew(
                f"Redis holds data in format {current}, written by a newer Frontdesk release; "
                f"this release reads formats up to {known}. Run the newer release (or its "
                f"documented rollback) instead.")
        if current == known:
            await store.redis.expire(keys.SCHEMA, SCHEMA_TTL)
            return current
        if await store.lead(LEASE, holder, lease_ttl):
            await _migrate(store, holder, migrations, lease_ttl)
            continue
        if time.monotonic() > deadline:
            raise TimeoutError(f"Redis data format {current} is being migrated to {known} by "
                               f"another bridge for more than {wait:.0f} s")
        await asyncio.sleep(0.5)
