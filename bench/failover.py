"""Redis failover under load (issue #26): a primary, one replica and three Sentinels
(Debian's redis-server), two bridges and the Rasa server (RASA_WORKERS workers) all finding the
primary through the Sentinels, REDIS_MIN_REPLICAS=1; visitors and agents talk steadily while the
primary is killed with SIGKILL `--kills` times (started again as the new primary's replica each
time), then the replica is killed and brought back. Prints per kill: seconds until the
Sentinels named a new primary and until every visitor and agent had an acknowledgement again;
then acknowledged messages lost, duplicated, requests unanswered, refusals by code.

    .venv/bin/python bench/failover.py --kills 5 --visitors 30 --agents 3
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Callable
from functools import partial

# isort: off
import common  # first: it puts tests/ on the path
from failover_load import Load, invariants, store_client
from redis_group import RedisGroup
from stack import Stack, free_port
# isort: on


def everyone_since(load: Load, marks: list[int]) -> bool:
    load.record()
    return all(now > then for now, then in zip(load.acks_since(), marks, strict=True))


async def until(check: Callable[[], bool], timeout: float = 120) -> float:
    """Seconds until `check()` is true (polled every 50 ms)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError("not within the timeout")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def measure(group: RedisGroup, stack: Stack, urls: list[str], args: argparse.Namespace
                  ) -> None:
    load = await Load.start(stack, urls, args.visitors, args.agents)
    redis = store_client(stack.redis_url)
    try:
        load.run(every=args.every)
        for kill in range(1, args.kills + 1):
            marks = load.acks_since()
            await until(partial(everyone_since, load, marks))
            old, killed = await asyncio.to_thread(group.kill_primary)
            await asyncio.to_thread(group.wait_failover, old)
            named = time.monotonic() - killed
            marks = load.acks_since()
            await asyncio.to_thread(group.rejoin, old)
            rejoined = time.monotonic() - killed
            await until(partial(everyone_since, load, marks))
            print(f"kill {kill}: new primary named after {named:.2f} s, old one back as replica "
                  f"after {rejoined:.2f} s, everyone acknowledged again after "
                  f"{time.monotonic() - killed:.2f} s", flush=True)
            await invariants(redis, load)
        replica = await asyncio.to_thread(group.replica)
        replica.kill()
        killed = time.monotonic()
        acked = sum(load.acks_since())
        refused = sum(len(t.refused) for t in load.talkers.values())
        await asyncio.sleep(args.replica_outage)  # the outage itself (the scenario)
        load.record()
        print(f"replica down {args.replica_outage:.0f} s: {sum(load.acks_since()) - acked} "
              f"acknowledged, {sum(len(t.refused) for t in load.talkers.values()) - refused} "
              "refused", flush=True)
        marks = load.acks_since()
        await asyncio.to_thread(group.rejoin, replica)
        await until(partial(everyone_since, load, marks))
        print(f"replica back: everyone acknowledged again {time.monotonic() - killed:.2f} s "
              "after it died", flush=True)
        await load.halt()
        resent = await load.resend_until_acked(timeout=120)
        await asyncio.sleep(2)  # the last answers to the resends
        load.record()
        lost, duplicated = await load.check(redis)
        requests = sum(t.emitted for (side, _), t in load.talkers.items() if side == "visitor")
        answered = sum(load.answers(v) for v in load.visitors)
        unanswered = max(0, requests - answered) + sum(t.unanswered for t in load.talkers.values())
        codes = Counter(code for t in load.talkers.values() for code in t.refused)
        sent = sum(len(t.sent) for t in load.talkers.values())
        print(f"messages sent {sent}, acknowledged {sum(load.acks_since())}, resends {resent}")
        print(f"lost {lost}, duplicated {duplicated}, unanswered {unanswered}, "
              f"refused {dict(codes)}")
        await invariants(redis, load)
        print("invariants hold")
    finally:
        await load.close()
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--every", type=float, default=0.3, help="seconds between messages")
    parser.add_argument("--replica-outage", type=float, default=5)
    parser.add_argument("--rasa-workers", type=int, default=2)
    args = parser.parse_args()
    print(f"{common.machine()}, commit {common.git_head()}")
    stack = common.new_stack(AUTO_ASSIGN="false", VISITOR_RATE="100000", AGENT_RATE="100000",
                             LOGIN_RATE="100000", REDIS_MIN_REPLICAS="1",
                             RASA_WORKERS=str(args.rasa_workers))
    group = RedisGroup.start(stack.data_dir / "redis")
    stack.env.update(group.env)
    try:
        stack.start_actions()
        stack.start_rasa()  # its tracker and lock stores on the Sentinels' primary too
        ports = [stack.env["FRONTDESK_PORT"], str(free_port())]
        for port in ports:
            stack.start_bridge(FRONTDESK_PORT=port)
        asyncio.run(measure(group, stack, [f"http://127.0.0.1:{p}" for p in ports], args))
    finally:
        stack.stop_all()
        group.stop()


if __name__ == "__main__":
    main()
