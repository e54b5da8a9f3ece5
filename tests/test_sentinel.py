"""Redis behind Sentinel (issue #26): a primary killed with SIGKILL under visitors and agents
talking through two bridges loses and duplicates no acknowledged message and leaves no request
unanswered; with REDIS_MIN_REPLICAS=1 a dead replica makes writes refused `unavailable`, and
they are acknowledged again once it is back. Real processes: Debian's redis-server as primary,
replica and three Sentinels (tests/redis_group.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from failover_load import Load, invariants, store_client
from redis_group import REDIS_SERVER, RedisGroup, replicated_stack

from bot.config import Settings
from bot.processes import _rasa_endpoints

from stack import ROOT, Stack, free_port
from waiting import eventually

pytestmark = pytest.mark.skipif(not os.path.exists(REDIS_SERVER), reason="needs redis-server")

KILLS = 2
VISITORS = 10
AGENTS = 3


@pytest.fixture(scope="module")
def failover(stack: Stack, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[RedisGroup, Stack, list[str]]]:
    """The Redis group and two bridges finding its primary through the Sentinels (Rasa is the
    session's: the bridge's own Redis is what fails over here)."""
    folder = tmp_path_factory.mktemp("sentinel")
    group = RedisGroup.start(folder / "redis")
    own = replicated_stack(stack, folder, group)
    try:
        ports = [own.env["FRONTDESK_PORT"], str(free_port())]
        for port in ports:
            own.start_bridge(FRONTDESK_PORT=port)
        yield group, own, [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        own.stop_all()
        group.stop()


def progressed(load: Load, marks: list[int]) -> bool:
    """Every visitor and agent had a message acknowledged since `marks`."""
    load.record()
    return all(now > then for now, then in zip(load.acks_since(), marks, strict=True))


async def settle(load: Load) -> None:
    """Resend what was refused until all is acknowledged; then every request was answered."""
    await load.halt()
    await load.resend_until_acked(timeout=90)

    def all_answered() -> bool:
        return all(load.answers(v) >= load.talkers[("visitor", v.conversation_id)].emitted
                   for v in load.visitors)

    await eventually(all_answered, timeout=30, what="an answer to every user_uttered")
    for visitor in load.visitors:  # one answer each, no more
        assert load.answers(visitor) == load.talkers[("visitor", visitor.conversation_id)].emitted
    assert sum(t.unanswered for t in load.talkers.values()) == 0
    codes = {code for t in load.talkers.values() for code in t.refused}
    assert codes <= {"unavailable"}, codes


async def test_a_killed_primary_loses_no_acknowledged_message(
        failover: tuple[RedisGroup, Stack, list[str]]) -> None:
    group, own, urls = failover
    load = await Load.start(own, urls, VISITORS, AGENTS)
    redis = store_client(own.redis_url)
    try:
        load.run()
        for _ in range(KILLS):
            marks = load.acks_since()
            await eventually(partial(progressed, load, marks), timeout=60, what="acks")
            old, killed = await asyncio.to_thread(group.kill_primary)
            took = await asyncio.to_thread(group.wait_failover, old)
            marks = load.acks_since()
            # With one replica and REDIS_MIN_REPLICAS=1, writes wait for the old primary to be
            # back as the new one's replica (README: run two replicas to keep acknowledging).
            await asyncio.to_thread(group.rejoin, old)
            await eventually(partial(progressed, load, marks), timeout=60,
                             what="every visitor and agent acknowledged after the failover")
            print(f"failover: new primary {took:.1f} s after the kill, everyone acknowledged "
                  f"again {time.monotonic() - killed:.1f} s after it")
            await invariants(redis, load)
        await settle(load)
        assert await load.check(redis) == (0, 0)  # (lost, duplicated)
        await invariants(redis, load)
        await load.live()  # Socket.IO rooms and live consoles work again, across bridges
        # The sweeper's duties (queues served, reminders) run on exactly one bridge after it.
        bridges = {str(p.popen.pid) for p in own.processes if p.name == "bridge"}
        holder = str(await eventually(lambda: redis.get("fd:lease:sweeper"), timeout=30,
                                      what="a sweeper lease"))
        assert holder.split("-")[0] in bridges, (holder, bridges)
    finally:
        await load.close()
        await redis.aclose()


async def test_a_dead_replica_refuses_writes_until_it_is_back(
        failover: tuple[RedisGroup, Stack, list[str]]) -> None:
    group, own, urls = failover
    load = await Load.start(own, urls, VISITORS // 2, AGENTS)
    redis = store_client(own.redis_url)
    try:
        load.run()
        marks = load.acks_since()
        await eventually(lambda: progressed(load, marks), timeout=60, what="acks")
        replica = await asyncio.to_thread(group.replica)
        replica.kill()

        def refused_since(marks: list[int]) -> bool:
            load.record()
            return all(len(t.refused) > mark for t, mark in zip(load.talkers.values(), marks,
                                                                strict=True))

        refusals = [len(t.refused) for t in load.talkers.values()]
        await eventually(lambda: refused_since(refusals), timeout=60,
                         what="every visitor and agent refused while the replica is down")
        acked = load.acks_since()  # from here on, nothing is acknowledged...
        refusals = [len(t.refused) for t in load.talkers.values()]
        await eventually(lambda: refused_since(refusals), timeout=60, what="refused again")
        load.record()
        assert load.acks_since() == acked  # ...while no replica has it
        await asyncio.to_thread(group.rejoin, replica)
        marks = load.acks_since()
        await eventually(lambda: progressed(load, marks), timeout=60,
                         what="acknowledged again once the replica is back")
        await settle(load)
        assert await load.check(redis) == (0, 0)
        await invariants(redis, load)
    finally:
        await load.close()
        await redis.aclose()


def rasa_turn(endpoints: Path, conversation_id: str) -> list[str]:
    """One turn through the Rasa stores that endpoints file names, in Rasa's environment."""
    done = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "python"),
                           str(ROOT / "tests" / "rasa_stores_probe.py"), str(endpoints),
                           conversation_id], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def test_rasa_stores_follow_the_primary(failover: tuple[RedisGroup, Stack, list[str]]) -> None:
    """Rasa's tracker and lock stores, as `python -m bot run rasa` configures them, find the
    primary through the Sentinels, before and after a failover."""
    group, own, _ = failover
    endpoints = _rasa_endpoints(Settings.from_env(own.env))
    conversation_id = uuid.uuid4().hex
    assert rasa_turn(endpoints, conversation_id) == ["SentinelTrackerStore SentinelLockStore",
                                                     "turns 1"]
    old, _ = group.kill_primary()
    group.wait_failover(old)
    assert rasa_turn(endpoints, conversation_id)[-1] == "turns 2"  # the tracker survived
    group.rejoin(old)
