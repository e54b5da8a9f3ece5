"""Person path: visitor <-> agent relay latency and throughput through one (or two) bridges,
against a bare python-socketio echo server measured in the same run.

    .venv/bin/python bench/person_path.py --conversations 1000 --rates 200 --seconds 10
    .venv/bin/python bench/person_path.py --rates 250,500,1000,1500 --seconds 6   # throughput
    .venv/bin/python bench/person_path.py --bridges 2 --rates 500,1000,1500       # scale-out
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import secrets
import subprocess
import sys
import time

import socketio

from bot.agents import hash_password
from bot.models import Agent, Conversation, Owner
from bot.store import Expect
from bot.store.redis import RedisStore

import common
from clients import login
from stack import free_port, tcp_open

AGENTS = 10


class Meter:
    """Send times by sequence number, and latencies of what arrived."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []

    def arrived(self, seq: str) -> None:
        started = self.sent.pop(seq, None)
        if started is not None:
            self.latencies.append((time.perf_counter() - started) * 1000)


async def connect_many(factories, batch: int = 50) -> list:
    clients = []
    for i in range(0, len(factories), batch):
        clients += await asyncio.gather(*(f() for f in factories[i:i + batch]))
    return clients


async def drive(rate: int, seconds: float, send_one) -> int:
    """Call send_one(i) `rate` times a second for `seconds`; returns how many were sent."""
    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send_one(i)
    return total


async def settle(meters: list[Meter], timeout: float = 5) -> None:
    deadline = time.perf_counter() + timeout
    while any(m.sent for m in meters) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


def report(name: str, rate: int, sent: int, elapsed: float, v2a: Meter, a2v: Meter) -> dict:
    both = v2a.latencies + a2v.latencies
    lost = len(v2a.sent) + len(a2v.sent)
    row = {
        "target": name, "rate": rate, "delivered_per_s": round(len(both) / elapsed),
        "v2a_p50": round(common.percentile(v2a.latencies, 50), 2),
        "v2a_p99": round(common.percentile(v2a.latencies, 99), 2),
        "a2v_p50": round(common.percentile(a2v.latencies, 50), 2),
        "a2v_p99": round(common.percentile(a2v.latencies, 99), 2),
        "p99": round(common.percentile(both, 99), 2), "lost": lost, "sent": sent,
    }
    print(json.dumps(row), flush=True)
    return row


# --- Frontdesk ------------------------------------------------------------------------------


async def frontdesk(urls: list[str], redis_url: str, n: int, rates: list[int], seconds: float):
    store = RedisStore(redis_url)
    tokens, ids, resume = [], [], []
    for a in range(AGENTS):
        name, password = f"bench{a}-{secrets.token_hex(3)}", secrets.token_hex(8)
        await store.save_agent(Agent(name, name, "general", capacity=n,
                                     password_hash=hash_password(password)))
        _status, body = await login(urls[a % len(urls)], name, password)
        tokens.append((name, body["token"]))
    for i in range(n):
        cid = f"bench{secrets.token_hex(12)}"
        secret = secrets.token_urlsafe(24)  # what the visitor's widget resumes with
        await store.create_conversation(Conversation(id=cid), secret)
        await store.transition(cid, Expect((Owner.BOT,)), Owner.QUEUE, department="general",
                               queued_at=repr(time.time()))
        await store.transition(cid, Expect((Owner.QUEUE,)), Owner.AGENT,
                               agent=tokens[i % AGENTS][0])
        ids.append(cid)
        resume.append(secret)
    v2a, a2v = Meter(), Meter()

    async def visitor(i: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("bot_uttered", lambda m: a2v.arrived(m["text"]) if m["metadata"]["sender"] == "agent"
                  else None)
        await client.connect(urls[i % len(urls)], transports=["websocket"])
        await client.emit("session_request", {"session_id": resume[i]})
        return client

    async def agent(a: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("message", lambda e: v2a.arrived(e["message"]["text"])
                  if e["message"]["sender"] == "visitor" else None, namespace="/agent")
        await client.connect(urls[a % len(urls)], namespaces=["/agent"],
                             transports=["websocket"], auth={"token": tokens[a][1]})
        for i in range(a, n, AGENTS):
            await client.call("open", {"conversation_id": ids[i]}, namespace="/agent")
        return client

    async def from_visitor(client, k: int, tag: str) -> None:
        await client.emit("user_uttered", {"message": tag, "message_id": f"m{tag}"})

    async def from_agent(client, k: int, tag: str) -> None:
        await client.emit("reply", {"conversation_id": ids[k], "text": tag}, namespace="/agent")

    rows = await exchange(f"frontdesk x{len(urls)}", n, visitor, agent, from_visitor, from_agent,
                          v2a, a2v, rates, seconds, redis_url)
    await store.close()
    return rows


# --- bare echo baseline ----------------------------------------------------------------------


async def echo(url: str, n: int, rates: list[int], seconds: float):
    v2a, a2v = Meter(), Meter()

    async def visitor(i: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("relayed", lambda d: a2v.arrived(d["seq"]))
        await client.connect(url, transports=["websocket"])
        await client.emit("join", f"room{i}")
        return client

    async def agent(a: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("relayed", lambda d: v2a.arrived(d["seq"]))
        await client.connect(url, transports=["websocket"])
        for i in range(a, n, AGENTS):
            await client.emit("join", f"room{i}")
        return client

    async def from_visitor(client, k: int, tag: str) -> None:
        await client.emit("relay", {"room": f"room{k}", "seq": tag})

    return await exchange("echo", n, visitor, agent, from_visitor, from_visitor, v2a, a2v, rates,
                          seconds)


async def exchange(name: str, n: int, visitor, agent, from_visitor, from_agent, v2a: Meter,
                   a2v: Meter, rates: list[int], seconds: float, redis_url: str = "") -> list:
    """Connect n visitors and the agents, then alternate visitor->agent and agent->visitor
    messages at each rate; one result row per rate."""
    visitors = await connect_many([lambda i=i: visitor(i) for i in range(n)])
    agents = await connect_many([lambda a=a: agent(a) for a in range(AGENTS)], batch=AGENTS)
    await asyncio.sleep(1)
    seq = itertools.count()

    async def send_one(i: int) -> None:
        k, tag = i % n, str(next(seq))
        if i % 2 == 0:
            v2a.sent[tag] = time.perf_counter()
            await from_visitor(visitors[k], k, tag)
        else:
            a2v.sent[tag] = time.perf_counter()
            await from_agent(agents[k % AGENTS], k, tag)

    rows = []
    for rate in rates:
        v2a.latencies, a2v.latencies = [], []
        before = common.redis_commandstats(redis_url) if redis_url else {}
        started = time.perf_counter()
        sent = await drive(rate, seconds, send_one)
        await settle([v2a, a2v])
        row = report(name, rate, sent, time.perf_counter() - started, v2a, a2v)
        if redis_url:  # the whole run's commands (background duties included), per message
            after = common.redis_commandstats(redis_url)
            per = {c: round((after[c] - before.get(c, 0)) / max(1, sent), 2) for c in after}
            per = {c: v for c, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.01}
            row["redis_commands_per_message"] = round(sum(per.values()), 2)
            row["redis_commands_by_name"] = per
        rows.append(row)
        v2a.sent.clear()
        a2v.sent.clear()
    for client in visitors + agents:
        await client.disconnect()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--rates", default="200", help="messages/s, comma separated")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--bridges", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--plot", help="write an SVG of p50/p99 against offered rate here")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    print(f"# person path on {common.machine()}, commit {common.git_head()}", flush=True)
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9", AUTO_ASSIGN="false",
                             AGENT_RATE="1000000", VISITOR_RATE="1000000")
    echo_port = free_port()
    echo_server = subprocess.Popen([sys.executable, str(common.ROOT / "bench" / "echo_server.py"),
                                    str(echo_port)])
    try:
        stack.start_redis()
        urls = [stack.bridge_url]
        stack.start_bridge()
        for _ in range(args.bridges - 1):
            port = free_port()
            stack.start_bridge(FRONTDESK_PORT=str(port))
            urls.append(f"http://127.0.0.1:{port}")
        while not tcp_open(echo_port):
            time.sleep(0.1)
        rows = asyncio.run(frontdesk(urls, stack.redis_url, args.conversations, rates,
                                     args.seconds))
        if not args.no_baseline:
            base = asyncio.run(echo(f"http://127.0.0.1:{echo_port}", args.conversations, rates,
                                    args.seconds))
            for row, ref in zip(rows, base):
                print(f"rate {row['rate']}/s: frontdesk p50 {max(row['v2a_p50'], row['a2v_p50'])}"
                      f" ms p99 {row['p99']} ms | echo p99 {ref['p99']} ms | ratio p99 "
                      f"{row['p99'] / ref['p99']:.2f} | redis commands/message "
                      f"{row['redis_commands_per_message']}", flush=True)
            for row in rows:
                print(f"redis commands by name, per message at {row['rate']}/s: "
                      f"{row['redis_commands_by_name']}", flush=True)
            if args.plot:
                import plot

                series = {
                    "Frontdesk p99": [(r["rate"], r["p99"]) for r in rows],
                    "Frontdesk p50": [(r["rate"], max(r["v2a_p50"], r["a2v_p50"])) for r in rows],
                    "bare echo p99": [(r["rate"], r["p99"]) for r in base],
                    "bare echo p50": [(r["rate"], max(r["v2a_p50"], r["a2v_p50"])) for r in base],
                }
                plot.lines(args.plot, f"Person path: {args.conversations} open conversations",
                           "offered messages per second", "latency ms", series, logy=True)
        rss = [common.rss_mb(p.popen.pid) for p in stack.processes if p.name == "bridge"]
        print(f"bridge resident memory: {', '.join(f'{r:.0f} MB' for r in rss)}")
    finally:
        echo_server.terminate()
        stack.stop_all()


if __name__ == "__main__":
    main()
