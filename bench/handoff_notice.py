"""Handoff notice: how long from a chat joining a queue to the agent console's `handoff` event.

Each visitor asks for a person ("/human_handoff" through the real Rasa), picks a department,
and an online agent's console receives `handoff`. Two figures: from the visitor's department
click to the console event (client clock), and from the server's queueing time (`queued_at`)
to the console event (same machine's clock).

    .venv/bin/python bench/handoff_notice.py --handoffs 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time

import socketio

from bot.agents import hash_password
from bot.models import Agent
from bot.store.redis import RedisStore

import common
from clients import login


async def run(url: str, redis_url: str, n: int, concurrency: int) -> None:
    store = RedisStore(redis_url)
    name, password = f"notice-{secrets.token_hex(3)}", secrets.token_hex(8)
    await store.save_agent(Agent(name, name, "general", capacity=n,
                                 password_hash=hash_password(password)))
    _, body = await login(url, name, password)
    clicked: dict[str, float] = {}
    from_click: list[float] = []
    from_queue: list[float] = []

    def on_handoff(event: dict) -> None:
        now_wall, now = time.time(), time.perf_counter()
        conversation = event["conversation"]
        from_queue.append((now_wall - conversation["queued_at"]) * 1000)
        started = clicked.pop(conversation["id"], None)
        if started is not None:
            from_click.append((now - started) * 1000)

    agent = socketio.AsyncClient(reconnection=False)
    agent.on("handoff", on_handoff, namespace="/agent")
    await agent.connect(url, namespaces=["/agent"], transports=["websocket"],
                        auth={"token": body["token"]})

    async def one_visitor() -> None:
        visitor = socketio.AsyncClient(reconnection=False)
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        asked: asyncio.Future = asyncio.get_running_loop().create_future()
        visitor.on("session_state",  # the conversation id, as the console will see it
                   lambda s: common.settle(confirmed, s["conversation_id"]))
        visitor.on("bot_uttered", lambda m: common.settle(asked, m) if m.get("quick_replies") else None)
        await visitor.connect(url, transports=["websocket"])
        await visitor.emit("session_request", {})
        session_id = await asyncio.wait_for(confirmed, 10)
        await visitor.emit("user_uttered", {"message": "/human_handoff"})
        await asyncio.wait_for(asked, 30)
        clicked[session_id] = time.perf_counter()
        await visitor.emit("user_uttered", {"message": "/department general"})
        deadline = time.perf_counter() + 10
        while session_id in clicked and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        await visitor.disconnect()

    semaphore = asyncio.Semaphore(concurrency)

    async def limited() -> None:
        async with semaphore:
            await one_visitor()

    await asyncio.gather(*(limited() for _ in range(n)))
    await agent.disconnect()
    await store.close()
    print(f"department click -> console event: {common.summary(from_click)}")
    print(f"queued (server)  -> console event: {common.summary(from_queue)}")
    print(json.dumps({"handoffs": n, "concurrency": concurrency,
                      "click_to_console_p50_ms": round(common.percentile(from_click, 50), 2),
                      "click_to_console_p99_ms": round(common.percentile(from_click, 99), 2),
                      "queued_to_console_p50_ms": round(common.percentile(from_queue, 50), 2),
                      "queued_to_console_p99_ms": round(common.percentile(from_queue, 99), 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--handoffs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    print(f"# handoff notice on {common.machine()}, commit {common.git_head()}", flush=True)
    with common.full_stack(AUTO_ASSIGN="false", VISITOR_RATE="1000000") as stack:
        asyncio.run(run(stack.bridge_url, stack.redis_url, args.handoffs, args.concurrency))


if __name__ == "__main__":
    main()
