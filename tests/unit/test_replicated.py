"""`RedisPart.replicated` when the server it wrote to was made a replica in a failover: WAIT is
refused there, and the client must be told `unavailable` (it resends) rather than
`internal_error` (test_sentinel saw this once, in a fresh-clone run)."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ResponseError

from bot.errors import unexpected
from bot.store.redis.connection import RedisPart, Unreplicated


class Demoted:
    """A connection to a server that became a replica after the write."""

    async def set(self, *args: object, **kwargs: object) -> None:
        return None

    async def wait(self, replicas: int, timeout_ms: int) -> int:
        raise ResponseError("WAIT cannot be used with replica instances. Please also note ...")


class Broken(Demoted):
    async def wait(self, replicas: int, timeout_ms: int) -> int:
        raise ResponseError("ERR some other error")


def test_a_demoted_server_refusing_wait_is_unavailable_not_an_internal_error() -> None:
    part = RedisPart("redis://127.0.0.1:1/0", min_replicas=1)
    with pytest.raises(Unreplicated) as raised:
        asyncio.run(part.replicated(Demoted(), wrote=True))
    assert unexpected(raised.value).code == "unavailable"
    with pytest.raises(ResponseError) as other:  # any other refusal is still a failure
        asyncio.run(part.replicated(Broken(), wrote=False))
    assert not isinstance(other.value, Unreplicated)
