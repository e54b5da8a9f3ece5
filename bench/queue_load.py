"""A long queue: N visitors waiting in one department, C queue changes a second (an agent picks
up the front chat, a new visitor joins at the back) for S seconds. Prints the Redis connections
(INFO clients, sampled), the bridge's CPU, the queue_position updates each visitor received per
second, and whether every waiting visitor's last position is right 2 s after the changes stop.

    .venv/bin/python bench/queue_load.py --waiting 1000 --changes 10 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
from pathlib import Path

import redis.asyncio as aioredis
import socketio
from person_path import connect_many

from bot.agents import hash_password
from bot.models import Agent, Conversation, Owner
from bot.store import Expect
from bot.store.redis import RedisStore

import common
from clients import login


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def queued(store: RedisStore, url: str) -> tuple[str, socketio.AsyncClient, list]:
    """A conversation waiting in `general`, and its visitor's connected widget."""
    cid, secret = f"q{secrets.token_hex(12)}", secrets.token_urlsafe(24)
    await store.create_conversation(Conversation(id=cid), secret)
    await store.transition(cid, Expect((Owner.BOT,)), Owner.QUEUE, department="general",
                           queued_at=repr(time.time()))
    client = socketio.AsyncClient(reconnection=False)
    seen: list = []
    client.on("queue_position", lambda p: seen.append((time.monotonic(), p["position"])))
    await client.connect(url, transports=["websocket"])
    await client.emit("session_request", {"session_id": secret})
    return cid, client, seen


async def run(url: str, redis_url: str, bridge_pid: int, waiting: int, changes: int,
              seconds: float) -> dict:
    store = RedisStore(redis_url)
    name, password = f"q-{secrets.token_hex(3)}", secrets.token_hex(8)
    await store.save_agent(Agent(name, name, "general", capacity=100_000,
                                 password_hash=hash_password(password)))
    _, body = await login(url, name, password)
    agent = socketio.AsyncClient(reconnection=False)
    await agent.connect(url, namespaces=["/agent"], transports=["websocket"],
                        auth={"token": body["token"]})
    crowd = await connect_many([lambda: queued(store, url) for _ in range(waiting)])
    info = aioredis.from_url(redis_url)
    await asyncio.sleep(2)
    clients_max, cpu0, t0 = 0, cpu_seconds(bridge_pid), time.monotonic()
    for k in range(int(seconds * changes)):
        if k % 2 == 0:  # the front chat is picked up
            front = await store.queue("general", 0, 1)
            if front:
                await agent.call("claim", {"conversation_id": front[0]}, namespace="/agent")
        else:  # a new visitor joins at the back
            crowd.append(await queued(store, url))
        if k % changes == 0:
            clients_max = max(clients_max, (await info.info("clients"))["connected_clients"])
        await asyncio.sleep(max(0.0, t0 + (k + 1) / changes - time.monotonic()))
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(bridge_pid) - cpu0
    await asyncio.sleep(2)
    truth = {cid: i + 1 for i, cid in enumerate(await store.queue("general"))}
    wrong = sum(1 for cid, _, seen in crowd
                if cid in truth and (not seen or seen[-1][1] != truth[cid]))
    per_second = [sum(1 for t, _ in seen if t0 <= t < t0 + elapsed) / elapsed
                  for cid, _, seen in crowd]
    result = {"waiting_at_start": waiting, "changes_per_s": changes, "seconds": round(elapsed, 1),
              "still_waiting": len(truth), "positions_wrong_after_2s": wrong,
              "updates_per_visitor_per_s_max": round(max(per_second), 2),
              "updates_per_visitor_per_s_mean": round(sum(per_second) / len(per_second), 2),
              "redis_clients_max": clients_max,
              "bridge_cpu_percent": round(100 * cpu / elapsed, 1)}
    print(json.dumps(result), flush=True)
    await asyncio.gather(*(c.disconnect() for _, c, _ in crowd), agent.disconnect())
    await info.aclose()
    await store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"# queue load on {common.machine()}, commit {common.git_head()}", flush=True)
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9", AUTO_ASSIGN="false",
                             AGENT_RATE="1000000", VISITOR_RATE="1000000",
                             MAX_QUEUE_WAIT="100000", REMIND_EVERY="100000",
                             ESCALATE_AFTER="100000")
    try:
        stack.start_redis()
        bridge = stack.start_bridge()
        asyncio.run(run(stack.bridge_url, stack.redis_url, bridge.popen.pid, args.waiting,
                        args.changes, args.seconds))
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
