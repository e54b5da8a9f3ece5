"""Acknowledged means replicated for every acknowledged write (issue #26): with
REDIS_MIN_REPLICAS=1 and the replica paused, an agent's claim and close and a visitor's left
message are refused `unavailable`; once it is back their retries double nothing (the same claim,
the same ticket, `already_closed`), and a visitor's message refused but stored is delivered live
on its resend, once. Real
processes: Debian's redis-server as primary, replica and three Sentinels (tests/redis_group.py)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from failover_load import DEPARTMENT, add_agent, store_client
from redis_group import REDIS_SERVER, RedisGroup, replicated_stack

from bot.store import keys

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor, round_trip
from stack import Stack

pytestmark = pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs redis-server")

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def replicated(stack: Stack, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[RedisGroup, Stack]]:
    """The Redis group and a bridge acknowledging only what one replica has (Rasa is the
    session's)."""
    folder = tmp_path_factory.mktemp("replicas")
    group = RedisGroup.start(folder / "redis")
    own = replicated_stack(stack, folder, group)
    try:
        own.start_bridge()
        yield group, own
    finally:
        own.stop_all()
        group.stop()


@asynccontextmanager
async def replica_paused(group: RedisGroup) -> AsyncIterator[None]:
    """The replica stopped (SIGSTOP: it confirms nothing) for the block, then running again."""
    replica = group.replica()
    assert replica.popen is not None
    os.kill(replica.popen.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(replica.popen.pid, signal.SIGCONT)


async def agent_of(own: Stack) -> tuple[AgentClient, str]:
    name, password = add_agent(own)
    console = AgentClient(own.bridge_url)
    await console.connect(name, password)
    await console.must("presence", {"status": "online"})
    return console, name


async def queued(own: Stack) -> Visitor:
    visitor = Visitor(own.bridge_url)
    await visitor.connect()
    await queue_visitor(visitor, DEPARTMENT)
    return visitor


async def until_ok(call: Any, tries: int = 40) -> Any:
    """`call()` again while it is refused `unavailable` (the replica catching up)."""
    for _ in range(tries):
        result = await call()
        if result.get("ok", True) or result["error"]["code"] != "unavailable":
            return result
    raise AssertionError(f"still unavailable: {result}")


async def leave(visitor: Visitor) -> dict[str, Any]:
    """Leave the same message; the answer (`message_left`, or `chat_error` with its code)."""
    mark = len(visitor.seen.events)
    await visitor.sio.emit("leave_message", {"name": "Kim", "email": "kim@example.org",
                                             "text": "Please call me about my booking."})
    name, data = await visitor.seen.wait_for_any(("message_left", "chat_error"), start=mark)
    if name == "chat_error":
        return {"ok": False, "error": data}
    return {"ok": True, **data}


async def test_a_claim_and_a_left_message_wait_for_the_replica(
        replicated: tuple[RedisGroup, Stack]) -> None:
    group, own = replicated
    redis = store_client(own.redis_url)
    console, name = await agent_of(own)
    claimed, leaving = await queued(own), await queued(own)
    claim = {"conversation_id": claimed.conversation_id}
    try:
        async with replica_paused(group):
            refused = await console.call("claim", claim)
            assert not refused["ok"] and refused["error"]["code"] == "unavailable", refused
            left = await leave(leaving)
            assert not left["ok"] and left["error"]["code"] == "unavailable", left
        again = await until_ok(lambda: console.call("claim", claim))
        assert again["ok"] and again["conversation"]["agent"] == name, again
        ticket = (await until_ok(lambda: leave(leaving)))["ticket_id"]
        assert (await leave(leaving))["ticket_id"] == ticket  # and once more: the same
        assert await redis.smembers(keys.agent_chats(name)) == {claimed.conversation_id}
        await round_trip(claimed)
        joined = [m for m in claimed.seen.of("bot_uttered") if "agent_joined" in m.get("custom", {})]
        assert len(joined) == 1
        tickets = [t for t in map(str, await redis.zrange(keys.TICKETS, 0, -1))
                   if leaving.conversation_id in (await redis.get(keys.ticket(t)) or "")]
        assert tickets == [ticket]
        await round_trip(leaving)
        told = [m for m in leaving.seen.of("bot_uttered") if "ticket" in m.get("custom", {})]
        assert len(told) == 1
    finally:
        for client in (console, claimed, leaving):
            await client.close()
        await redis.aclose()


async def test_a_message_refused_but_stored_is_delivered_live_on_its_resend(
        replicated: tuple[RedisGroup, Stack]) -> None:
    group, own = replicated
    console, _ = await agent_of(own)
    visitor = await queued(own)
    await console.must("claim", {"conversation_id": visitor.conversation_id})
    client_id, text = f"r-{next(_ids)}", "Is the 8 pm show still on?"

    def live() -> list[Any]:
        return [m for m in console.seen.of("message") if m["message"].get("client_id") == client_id]

    async def send(resend: bool) -> dict[str, Any]:
        mark = await visitor.say(text, message_id=client_id, resend=resend)
        name, data = await visitor.seen.wait_for_any(("message_ack", "chat_error"), start=mark)
        return {"ok": name == "message_ack", "error": data}

    try:
        async with replica_paused(group):
            first = await send(False)
            assert not first["ok"] and first["error"]["code"] == "unavailable", first
        assert live() == []  # stored, but not acknowledged: not shown
        await until_ok(lambda: send(True))
        await console.seen.wait_for("message", lambda m: m["message"].get("client_id") == client_id)
        assert (await send(True))["ok"]  # another resend: acknowledged, not shown again
        await asyncio.sleep(1)  # what a second delivery would take, many times over
        assert len(live()) == 1
        close = {"conversation_id": visitor.conversation_id}
        async with replica_paused(group):
            refused = await console.call("close", close)
            assert not refused["ok"] and refused["error"]["code"] == "unavailable", refused
        again = await until_ok(lambda: console.call("close", close))  # made before the refusal
        assert again["error"]["code"] == "already_closed", again
    finally:
        await console.close()
        await visitor.close()
