"""Redis commands, Redis CPU time and Redis memory per operation, from `INFO commandstats`,
`INFO cpu` and `INFO memory` around isolated operations on an otherwise quiet stack: one page
view (GET / and the widget's connect and session), one bot answer (Rasa's tracker and lock
store included), one relayed message each way, one idle connection for a minute and one waiting
chat for a minute. What the bridge does in the background (sweeper, announcer, presence) is
measured alone first and taken off.

    .venv/bin/python bench/redis_commands.py [--repeat 50] [--idle 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import redis.asyncio as aioredis
from bot_path import QUESTIONS
from soak import Desk, make_desks

import common
from clients import Visitor
from handoff_flow import queue_visitor

Stats = dict[str, tuple[float, float]]  # command -> (calls, microseconds)
CPU = "cpu"  # not a command: Redis's own CPU time (user + system), in `Stats` as (0, µs)
MEMORY = "memory"  # not a command: used_memory, in `Stats` as (0, bytes)


async def stats(client: aioredis.Redis) -> Stats:
    """Calls and µs by command (`usec` of EVALSHA includes its script's commands, which are
    counted by name too), and the server's CPU time as `CPU`: the figure for capacity."""
    found = await client.info("commandstats")
    cpu = await client.info("cpu")
    memory = await client.info("memory")
    return {CPU: (0, (float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])) * 1e6),
            MEMORY: (0, float(memory["used_memory"])),
            **{name.removeprefix("cmdstat_"): (int(s["calls"]), float(s["usec"]))
               for name, s in found.items()}}


def minus(after: Stats, before: Stats) -> Stats:
    return {c: (n - before.get(c, (0, 0.0))[0], us - before.get(c, (0, 0.0))[1])
            for c, (n, us) in after.items()}


class Meter:
    """Commands between `CONFIG RESETSTAT` and now, less the background's rate."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self.background: Stats = {}  # per second

    async def measure(self, action: Callable[[], Awaitable[Any]]) -> tuple[Stats, float]:
        await self.client.config_resetstat()
        base = await stats(self.client)  # the INFO call itself and the reset
        started = time.perf_counter()
        await action()
        elapsed = time.perf_counter() - started
        return minus(await stats(self.client), base), elapsed

    async def idle_rate(self, seconds: float) -> None:
        found, elapsed = await self.measure(lambda: asyncio.sleep(seconds))
        self.background = {c: (n / elapsed, us / elapsed) for c, (n, us) in found.items()}

    def per(self, found: Stats, elapsed: float, count: int) -> Stats:
        out = {}
        for command, (n, us) in found.items():
            bn, bus = self.background.get(command, (0.0, 0.0))
            calls = (n - bn * elapsed) / count
            if calls >= 0.01 or command in (CPU, MEMORY):
                out[command] = (round(calls, 2), round((us - bus * elapsed) / count, 1))
        return out


def show(what: str, per: Stats) -> dict[str, Any]:
    cpu = per.pop(CPU, (0, 0.0))[1]
    memory = per.pop(MEMORY, (0, 0.0))[1]
    row = {"operation": what,
           "commands": round(sum(n for n, _ in per.values()), 2),
           "redis_cpu_usec": round(cpu, 1), "redis_memory_bytes": round(memory),
           "by_command": dict(sorted(per.items(), key=lambda kv: -kv[1][0]))}
    print(json.dumps(row), flush=True)
    return row


async def measure_all(url: str, redis_url: str, repeat: int, idle: int) -> list[dict[str, Any]]:
    client = aioredis.from_url(redis_url, decode_responses=True)
    meter = Meter(client)
    desks = await make_desks(url, redis_url)
    await asyncio.sleep(2)
    await meter.idle_rate(20)
    rows = [show("background, per second", {c: (round(n, 2), round(us, 1))
                                             for c, (n, us) in meter.background.items()})]
    rows.append(await page_views(meter, url, repeat))
    rows.append(await bot_answers(meter, url, repeat))
    rows += await relayed(meter, url, desks, repeat)
    rows.append(await idle_minute(meter, url, idle))
    rows.append(await waiting_minute(meter, url, 20))
    for desk in [d for pair in desks.values() for d in pair]:
        await desk.sio.disconnect()
    await client.aclose()
    return rows


async def page_views(meter: Meter, url: str, repeat: int) -> dict[str, Any]:
    async def views() -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(repeat):
                async with http.get(f"{url}/") as page:
                    await page.read()
                visitor = Visitor(url)
                await visitor.connect()
                await visitor.close()

    found, elapsed = await meter.measure(views)
    return show("page view (GET /, connect, session, leave)", meter.per(found, elapsed, repeat))


async def bot_answers(meter: Meter, url: str, repeat: int) -> dict[str, Any]:
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask(QUESTIONS[0])  # the conversation's first message is a case of its own

    async def asks() -> None:
        for k in range(repeat):
            await visitor.ask(QUESTIONS[(k + 1) % len(QUESTIONS)], timeout=60)
        await asyncio.sleep(0.5)  # the turn's last writes

    found, elapsed = await meter.measure(asks)
    await visitor.close()
    return show("bot answer (a question and its answer)", meter.per(found, elapsed, repeat))


async def relayed(meter: Meter, url: str, desks: dict[str, list[Desk]],
                  repeat: int) -> list[dict[str, Any]]:
    visitor = Visitor(url)
    await visitor.connect()
    department = await queue_visitor(visitor, "general")
    desk = desks[department][0]
    await desk.must("claim", {"conversation_id": visitor.conversation_id})
    await asyncio.sleep(1)

    async def to_agent() -> None:
        for k in range(repeat):
            arrived = desk.expect(f"v{k}")
            await visitor.say(f"v{k}", message_id=secrets.token_hex(6))
            await asyncio.wait_for(arrived, 30)

    async def to_visitor() -> None:
        for k in range(repeat):
            mark = len(visitor.seen.events)
            await desk.must("reply", {"conversation_id": visitor.conversation_id, "text": f"a{k}"})
            await visitor.seen.wait_for("bot_uttered", said(f"a{k}"), start=mark)

    rows = []
    for what, action in (("relayed message, visitor to agent", to_agent),
                         ("relayed message, agent to visitor", to_visitor)):
        found, elapsed = await meter.measure(action)
        rows.append(show(what, meter.per(found, elapsed, repeat)))
    await visitor.close()
    return rows


def said(text: str) -> Callable[[Any], bool]:
    return lambda message: bool(message.get("text") == text)


async def idle_minute(meter: Meter, url: str, count: int) -> dict[str, Any]:
    crowd = [Visitor(url) for _ in range(count)]
    for batch in range(0, count, 50):
        await asyncio.gather(*(v.connect() for v in crowd[batch:batch + 50]))
    await asyncio.sleep(2)
    found, elapsed = await meter.measure(lambda: asyncio.sleep(60))
    for visitor in crowd:
        await visitor.close()
    per = meter.per(found, elapsed, count)
    return show("idle connection, per minute", {c: (round(n * 60 / elapsed, 3),
                                                     round(us * 60 / elapsed, 1))
                                                 for c, (n, us) in per.items()})


async def waiting_minute(meter: Meter, url: str, count: int) -> dict[str, Any]:
    """`count` visitors waiting in a queue (nobody claims): the announcer's position updates."""
    crowd = [Visitor(url) for _ in range(count)]
    for visitor in crowd:
        await visitor.connect()
        await queue_visitor(visitor, "general")
    await asyncio.sleep(2)
    found, elapsed = await meter.measure(lambda: asyncio.sleep(30))
    for visitor in crowd:
        await visitor.close()
    per = meter.per(found, elapsed, count)
    return show("waiting chat, per minute", {c: (round(n * 60 / elapsed, 3),
                                                  round(us * 60 / elapsed, 1))
                                              for c, (n, us) in per.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--idle", type=int, default=200)
    args = parser.parse_args()
    print(f"# Redis commands per operation on {common.machine()}, commit {common.git_head()}",
          flush=True)
    with common.full_stack(AUTO_ASSIGN="false", VISITOR_RATE="1000000", AGENT_RATE="1000000",
                           LOGIN_RATE="1000000") as stack:
        asyncio.run(measure_all(stack.bridge_url, stack.redis_url, args.repeat, args.idle))


if __name__ == "__main__":
    main()
