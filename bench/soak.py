"""Soak: a steady mixed load for a set time, sampling every process's memory and open files,
Redis's memory and keys, and the latencies; then, per metric, the slope of a least-squares line
over the second half (the first is warm-up) against the noise, and PASS or FAIL: nothing may
grow without bound.

The load, started at `--rate` visitors a second: each visitor views the page (GET /), connects,
asks two FAQ questions (bot answers); every `--handoff-every`-th one asks for a person, is
claimed by an agent of the department, exchanges messages both ways, reconnects (resumes) and
writes again, is transferred to the department's other agent, who replies and closes. `--idle`
connections stay open throughout. Conversations are kept `--retention` seconds (RETENTION_DAYS)
so that Redis reaches its steady state (rate x retention) within the warm-up.

    .venv/bin/python bench/soak.py --minutes 10 [--rate 1] [--plot docs/img/soak.svg]
    .venv/bin/python bench/soak.py --minutes 60 --every 30 --plot docs/img/soak.svg
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import secrets
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import socketio
from bot_path import QUESTIONS

from bot.agents import hash_password
from bot.models import Agent
from bot.store.redis import RedisStore

import common
from clients import Visitor
from handoff_flow import queue_visitor
from stack import Stack

DEPARTMENTS = ("general", "tickets_billing", "website_technical")
WAIT = 60.0  # seconds an answer or a relayed message may take before it counts as lost


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the load generator saw: latencies of the current window, counts of the whole run."""

    bot_ms: list[float] = field(default_factory=list)
    relay_ms: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def window(self) -> tuple[list[float], list[float]]:
        bot, relay = self.bot_ms, self.relay_ms
        self.bot_ms, self.relay_ms = [], []
        return bot, relay


class Desk:
    """An agent's console kept lean: a waiter per expected message text, nothing recorded."""

    def __init__(self, url: str, name: str, token: str) -> None:
        self.url, self.name, self.token = url, name, token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.sio.on("message", self._message, namespace="/agent")

    async def _message(self, event: dict[str, Any]) -> None:
        future = self.waiting.pop(event.get("message", {}).get("text", ""), None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def connect(self) -> None:
        await self.sio.connect(self.url, namespaces=["/agent"], transports=["websocket"],
                               auth={"token": self.token})

    def expect(self, text: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    async def must(self, event: str, payload: dict[str, Any]) -> None:
        result = await self.sio.call(event, payload, namespace="/agent", timeout=WAIT)
        if not result.get("ok"):
            raise RuntimeError(f"{event} refused: {result}")


async def make_desks(url: str, redis_url: str) -> dict[str, list[Desk]]:
    """Two agents per department, signed in."""
    from clients import login

    store = RedisStore(redis_url)
    desks: dict[str, list[Desk]] = {}
    for department in DEPARTMENTS:
        for k in range(2):
            name, password = f"soak-{department}-{k}-{secrets.token_hex(2)}", secrets.token_hex(8)
            await store.save_agent(Agent(name, name, department, capacity=10_000,
                                         password_hash=hash_password(password)))
            status, body = await login(url, name, password)
            assert status == 200, body
            desk = Desk(url, name, body["token"])
            await desk.connect()
            desks.setdefault(department, []).append(desk)
    await store.close()
    return desks


async def relayed_to_visitor(visitor: Visitor, desk: Desk, cid: str, text: str,
                             tally: Tally) -> None:
    mark = len(visitor.seen.events)
    started = time.perf_counter()
    await desk.must("reply", {"conversation_id": cid, "text": text})
    await visitor.seen.wait_for("bot_uttered", lambda m: m.get("text") == text, start=mark,
                                timeout=WAIT)
    tally.relay_ms.append((time.perf_counter() - started) * 1000)


async def relayed_to_agent(visitor: Visitor, desk: Desk, text: str, tally: Tally) -> None:
    arrived = desk.expect(text)
    started = time.perf_counter()
    await visitor.say(text, message_id=secrets.token_hex(6))
    tally.relay_ms.append((await asyncio.wait_for(arrived, WAIT) - started) * 1000)


async def with_a_person(visitor: Visitor, desks: dict[str, list[Desk]], n: int,
                        tally: Tally) -> None:
    """Handoff, claim, both ways, reconnect and write again, transfer, reply, close."""
    department = await queue_visitor(visitor, "general")
    first, second = desks[department]
    cid = visitor.conversation_id
    await first.must("claim", {"conversation_id": cid})
    tally.counts["handoffs"] += 1
    await relayed_to_visitor(visitor, first, cid, f"hello {n}", tally)
    await relayed_to_agent(visitor, first, f"thanks {n}", tally)
    await visitor.close()
    await visitor.connect(visitor.session_id)  # the same conversation, resumed
    tally.counts["reconnects"] += 1
    await relayed_to_agent(visitor, first, f"back {n}", tally)
    await first.must("transfer", {"conversation_id": cid, "to_agent": second.name})
    tally.counts["transfers"] += 1
    await relayed_to_visitor(visitor, second, cid, f"taking over {n}", tally)
    await second.must("close", {"conversation_id": cid})
    tally.counts["closed"] += 1


async def one_visitor(url: str, http: aiohttp.ClientSession, desks: dict[str, list[Desk]],
                      n: int, handoff_every: int, tally: Tally) -> None:
    async with http.get(f"{url}/") as page:
        await page.read()
    tally.counts["page_views"] += 1
    visitor = Visitor(url)
    try:
        await visitor.connect()
        for question in random.sample(QUESTIONS, 2):
            started = time.perf_counter()
            reply = await visitor.ask(question, timeout=WAIT)
            handoff = (reply.get("custom") or {}).get("handoff")
            tally.counts[f"answered_by_{handoff['reason'] if handoff else reply['sender']}"] += 1
            tally.bot_ms.append((time.perf_counter() - started) * 1000)
        if n % handoff_every == 0:
            await with_a_person(visitor, desks, n, tally)
    finally:
        await visitor.close()


async def hold_idle(url: str, count: int) -> list[Visitor]:
    idle = [Visitor(url) for _ in range(count)]
    for batch in range(0, count, 50):
        await asyncio.gather(*(v.connect() for v in idle[batch:batch + 50]))
    return idle


async def offer(url: str, desks: dict[str, list[Desk]], rate: float, until: float,
                handoff_every: int, tally: Tally, most: int = 300) -> None:
    """Start a visitor every 1/rate seconds until `until`; at most `most` at once (a visitor
    not started for that is counted as `skipped`: the stack fell behind)."""
    running: set[asyncio.Task[None]] = set()

    async def guarded(n: int) -> None:
        try:
            await one_visitor(url, http, desks, n, handoff_every, tally)
            tally.counts["visitors_done"] += 1
        except TimeoutError:
            tally.counts["lost"] += 1
        except Exception as error:  # counted, the soak goes on
            tally.counts[f"error_{type(error).__name__}"] += 1

    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        for n in itertools.count(1):
            at = start + n / rate
            if at > until:
                break
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            if len(running) >= most:
                tally.counts["skipped"] += 1
                continue
            task = asyncio.create_task(guarded(n))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running, timeout=WAIT * 3)


# --- the samples ------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (Rasa's workers, the embedded redis-server)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def process_figures(stack: Stack) -> dict[str, float]:
    """RSS (MB) and open files of each process tree of the stack, by name."""
    figures: dict[str, float] = defaultdict(float)
    names = Counter(p.name for p in stack.processes)
    seen: Counter[str] = Counter()
    for process in stack.processes:
        seen[process.name] += 1
        label = process.name if names[process.name] == 1 else f"{process.name}{seen[process.name]}"
        for pid in descendants(process.popen.pid):
            try:
                figures[f"{label}_rss_mb"] += common.rss_mb(pid)
            except OSError:
                continue
            figures[f"{label}_fds"] += open_files(pid)
    return {k: round(v, 2) for k, v in figures.items()}


async def redis_figures(client: aioredis.Redis) -> dict[str, float]:
    memory = await client.info("memory")
    clients = await client.info("clients")
    return {"redis_used_mb": round(memory["used_memory"] / 2**20, 3),
            "redis_keys": await client.dbsize(),
            "redis_clients": clients["connected_clients"]}


async def sample(stack: Stack, tally: Tally, every: float, until: float,
                 samples: list[dict[str, float]]) -> None:
    client = aioredis.from_url(stack.redis_url, decode_responses=True)
    start = time.perf_counter()
    try:
        while time.perf_counter() < until:
            await asyncio.sleep(every)
            bot, relay = tally.window()
            row: dict[str, float] = {"t_s": round(time.perf_counter() - start, 1)}
            row |= process_figures(stack)
            row |= await redis_figures(client)
            for name, values in (("bot", bot), ("relay", relay)):
                row[f"{name}_n"] = len(values)
                row[f"{name}_p50_ms"] = round(common.percentile(values, 50), 1)
                row[f"{name}_p95_ms"] = round(common.percentile(values, 95), 1)
            samples.append(row)
            print(json.dumps(row), flush=True)
    finally:
        await client.aclose()


# --- the verdicts -----------------------------------------------------------------------------


@dataclass
class Verdict:
    metric: str
    mean: float
    slope_per_h: float  # the fitted growth, per hour
    drift: float  # the fitted change across the window
    band: float  # what counts as noise across the window
    passed: bool

    def line(self) -> str:
        return (f"{self.metric:>16}: mean {self.mean:10.2f}, slope {self.slope_per_h:+10.3f}/h, "
                f"drift {self.drift:+9.3f} over the window, noise band {self.band:8.3f}: "
                f"{'PASS' if self.passed else 'FAIL'}")


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope and its standard error."""
    n = len(points)
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    residual = sum((y - my - slope * (x - mx)) ** 2 for x, y in points)
    error = math.sqrt(residual / max(1, n - 2) / sxx)
    return slope, error


# The growth across the fit window that is still "flat": a fraction of the mean (allocators
# and caches settle slowly) or an absolute floor, whichever is larger; latencies on a shared
# machine are noisier.
FLOORS: dict[str, tuple[float, float]] = {
    "rss_mb": (0.03, 2.0), "fds": (0.05, 4.0), "redis_used_mb": (0.05, 0.5),
    "redis_keys": (0.05, 20.0), "redis_clients": (0.10, 4.0), "p50_ms": (0.5, 20.0),
    "p95_ms": (0.5, 50.0),
}


def judged(metric: str) -> tuple[float, float] | None:
    return next((floor for suffix, floor in FLOORS.items() if metric.endswith(suffix)), None)


def verdicts(samples: list[dict[str, float]]) -> list[Verdict]:
    """One verdict per metric, over the second half of the samples: flat when the fitted
    growth is within 3 standard errors of the slope, or under the metric's floor."""
    tail = samples[len(samples) // 2:]
    found = []
    for metric in samples[-1]:
        floor = judged(metric)
        points = [(row["t_s"], row[metric]) for row in tail
                  if metric in row and not math.isnan(row[metric])]
        if floor is None or len(points) < 4:
            continue
        slope, error = fit(points)
        span = points[-1][0] - points[0][0]
        mean = statistics.fmean(y for _, y in points)
        band = max(3 * error * span, floor[0] * abs(mean), floor[1])
        drift = slope * span
        found.append(Verdict(metric, mean, slope * 3600, drift, band, drift <= band))
    return found


def svg(path: str, samples: list[dict[str, float]], results: list[Verdict]) -> None:
    """Two charts: resources as a fraction of their second-half mean, and latencies (ms)."""
    import plot

    resources = {v.metric: [(row["t_s"] / 60, row[v.metric] / v.mean) for row in samples
                            if v.metric in row] for v in results
                 if v.mean and not v.metric.endswith("_ms")}
    latencies = {v.metric: [(row["t_s"] / 60, row[v.metric]) for row in samples
                            if not math.isnan(row.get(v.metric, math.nan))]
                 for v in results if v.metric.endswith("_ms")}
    plot.svg_lines(path, "Soak: each figure / its mean over the second half", "minutes",
                   "÷ mean", resources)
    plot.svg_lines(path.replace(".svg", "-latency.svg"), "Soak: latencies per sample",
                   "minutes", "ms", latencies)


# --- the run ----------------------------------------------------------------------------------


async def soak(stack: Stack, args: argparse.Namespace) -> tuple[list[dict[str, float]], Tally]:
    tally = Tally()
    desks = await make_desks(stack.bridge_url, stack.redis_url)
    idle = await hold_idle(stack.bridge_url, args.idle)
    samples: list[dict[str, float]] = []
    until = time.perf_counter() + args.minutes * 60
    await asyncio.gather(
        offer(stack.bridge_url, desks, args.rate, until, args.handoff_every, tally),
        sample(stack, tally, args.every, until, samples))
    for client in idle + [d for pair in desks.values() for d in pair]:
        await client.sio.disconnect()
    return samples, tally


def run(args: argparse.Namespace) -> tuple[list[dict[str, float]], Tally, list[Verdict]]:
    print(f"# soak on {common.machine()}, commit {common.git_head()}: {args.minutes} min, "
          f"{args.rate} visitors/s, handoff every {args.handoff_every}, {args.idle} idle, "
          f"retention {args.retention} s", flush=True)
    with common.full_stack(AUTO_ASSIGN="false", VISITOR_RATE="1000000", AGENT_RATE="1000000",
                           LOGIN_RATE="1000000", MAX_QUEUE_WAIT="3600",
                           RETENTION_DAYS=repr(args.retention / 86400)) as stack:
        samples, tally = asyncio.run(soak(stack, args))
    results = verdicts(samples)
    print("counts:", json.dumps(dict(sorted(tally.counts.items()))), flush=True)
    for verdict in results:
        print(verdict.line(), flush=True)
    failed = [v.metric for v in results if not v.passed]
    print(f"soak: {'FAIL ' + ', '.join(failed) if failed else 'PASS'}; lost {tally.counts['lost']}"
          f", errors {sum(c for k, c in tally.counts.items() if k.startswith('error_'))}",
          flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"samples": samples, "counts": tally.counts}))
    if args.plot:
        svg(args.plot, samples, results)
    return samples, tally, results


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=1.0, help="new visitors a second")
    parser.add_argument("--handoff-every", type=int, default=4, help="every n-th visitor")
    parser.add_argument("--idle", type=int, default=200, help="connections open throughout")
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    parser.add_argument("--retention", type=float, default=120, help="RETENTION_DAYS, seconds")
    parser.add_argument("--out", help="write the samples and counts as JSON here")
    parser.add_argument("--plot", help="SVG of the resources here, and of latencies beside it")
    return parser


def main(argv: list[str] | None = None) -> int:
    _samples, tally, results = run(parser().parse_args(argv))
    bad = tally.counts["lost"] + sum(c for k, c in tally.counts.items() if k.startswith("error_"))
    return 1 if bad or not all(v.passed for v in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
