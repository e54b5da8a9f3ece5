"""The data format version in Redis (`fd:schema`, bot/store/redis/schema.py): migrations run
once whatever the number of bridges starting together, a failed one is finished by the next
start, and a bridge refuses data written by a newer release. Redis of its own (no Rasa)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.store import keys
from bot.store.redis import RedisStore
from bot.store.redis.schema import MIGRATIONS, Migration, SchemaTooNew, ensure_schema, latest

from stack import Stack, free_port

DATABASE = 1  # this test's own database of its own Redis


@pytest.fixture(scope="module")
def redis_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.create(tmp_path_factory.mktemp("schema"), RASA_URL="http://127.0.0.1:9")
    stack.start_redis()
    yield stack
    stack.stop_all()


@pytest.fixture
async def url(redis_only: Stack) -> AsyncIterator[str]:
    url = redis_only.redis_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    store = RedisStore(url)
    await store.redis.flushdb()
    await store.close()
    yield url


def counted(ran: Counter[int], fail_once: set[int] | None = None) -> list[Migration]:
    """Three migrations that count their runs (each takes a moment, as real ones do)."""

    def step(version: int) -> Any:
        async def run(redis: Any) -> None:
            await asyncio.sleep(0.05)
            if fail_once and version in fail_once:
                fail_once.discard(version)
                raise RuntimeError(f"migration {version} failed")
            ran[version] += 1
            await redis.set(f"fd:test:migrated:{version}", "1", ex=60)

        return run

    return [Migration(v, f"step {v}", step(v)) for v in (1, 2, 3)]


async def test_a_fresh_redis_gets_this_releases_version_with_an_expiry(url: str) -> None:
    store = RedisStore(url)
    assert await ensure_schema(store, "a") == latest(MIGRATIONS)
    assert int(await store.redis.hget(keys.SCHEMA, "version")) == latest(MIGRATIONS)
    assert await store.redis.ttl(keys.SCHEMA) > 0
    await store.close()


async def test_bridges_starting_together_run_each_migration_once(url: str) -> None:
    ran: Counter[int] = Counter()
    migrations = counted(ran)
    stores = [RedisStore(url) for _ in range(5)]
    versions = await asyncio.gather(*(ensure_schema(s, f"bridge{i}", migrations, wait=30)
                                      for i, s in enumerate(stores)))
    assert versions == [3] * 5
    assert ran == Counter({1: 1, 2: 1, 3: 1})
    assert await ensure_schema(stores[0], "later", migrations) == 3  # nothing pending: no run
    assert ran == Counter({1: 1, 2: 1, 3: 1})
    for store in stores:
        await store.close()


async def test_a_failed_migration_is_finished_by_the_next_start(url: str) -> None:
    ran: Counter[int] = Counter()
    migrations = counted(ran, fail_once={2})
    store = RedisStore(url)
    with pytest.raises(RuntimeError, match="migration 2 failed"):
        await ensure_schema(store, "first", migrations, lease_ttl=0.3)
    assert await store.redis.hget(keys.SCHEMA, "version") == "1"  # recorded step by step
    await asyncio.sleep(0.4)  # the dead bridge's lease runs out
    assert await ensure_schema(store, "second", migrations, lease_ttl=0.3) == 3
    assert ran == Counter({1: 1, 2: 1, 3: 1})
    await store.close()


async def test_data_of_a_newer_release_is_refused(url: str, redis_only: Stack) -> None:
    store = RedisStore(url)
    await store.redis.hset(keys.SCHEMA, mapping={"version": latest(MIGRATIONS) + 1})
    with pytest.raises(SchemaTooNew, match="newer Frontdesk release"):
        await ensure_schema(store, "old")
    await store.close()
    bridge = redis_only.start("bridge", REDIS_URL=url, FRONTDESK_PORT=str(free_port()))
    assert bridge.popen.wait(60) == 2
    assert "written by a newer Frontdesk release" in bridge.log.read_text()

