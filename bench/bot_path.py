"""Bot path: N simulated visitors ask FAQ questions through the bridge; the same questions go
straight to Rasa's HTTP API in the same run, interleaved. Prints p50/p99 of both and the ratio.

    .venv/bin/python bench/bot_path.py --visitors 10 --questions 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time

import aiohttp
import common
import socketio

QUESTIONS = [
    "what are your opening hours?", "where is the theatre?", "how much are tickets?",
    "can I get a refund?", "is there parking nearby?", "do you sell gift vouchers?",
    "is the theatre wheelchair accessible?", "how do I reset my password?",
    "my tickets haven't arrived", "what payment methods do you take?",
]


async def through_bridge(url: str, visitor: socketio.AsyncClient, question: str,
                         replies: asyncio.Queue) -> float:
    started = time.perf_counter()
    await visitor.emit("user_uttered", {"message": question, "message_id": secrets.token_hex(6)})
    reply = await asyncio.wait_for(replies.get(), 30)
    elapsed = (time.perf_counter() - started) * 1000
    if reply["metadata"]["sender"] != "bot":  # handed over: start afresh so the bot answers again
        await asyncio.sleep(0.2)
        await new_session(visitor)
    await asyncio.sleep(0.05)
    while not replies.empty():
        replies.get_nowait()
    return elapsed


async def new_session(visitor: socketio.AsyncClient) -> None:
    confirmed = asyncio.get_running_loop().create_future()
    visitor.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    await visitor.emit("session_request", {})
    await asyncio.wait_for(confirmed, 10)


async def direct(http: aiohttp.ClientSession, rasa_url: str, sender: str, question: str) -> float:
    started = time.perf_counter()
    async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": question}) as response:
        await response.json()
    return (time.perf_counter() - started) * 1000


async def one_visitor(i: int, url: str, rasa_url: str, http: aiohttp.ClientSession, n: int,
                      bridge_ms: list[float], direct_ms: list[float], warmup: int) -> None:
    replies: asyncio.Queue = asyncio.Queue()
    visitor = socketio.AsyncClient(reconnection=False)
    visitor.on("bot_uttered", lambda m: replies.put_nowait(m))
    await visitor.connect(url, transports=["websocket"])
    await new_session(visitor)
    sender = f"direct-{secrets.token_hex(8)}"
    for k in range(n + warmup):
        question = QUESTIONS[(i + k) % len(QUESTIONS)]
        b = await through_bridge(url, visitor, question, replies)
        d = await direct(http, rasa_url, sender, question)
        if k >= warmup:
            bridge_ms.append(b)
            direct_ms.append(d)
    await visitor.disconnect()


async def run(url: str, rasa_url: str, visitors: int, questions: int) -> None:
    bridge_ms: list[float] = []
    direct_ms: list[float] = []
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(
            one_visitor(i, url, rasa_url, http, questions, bridge_ms, direct_ms, warmup=2)
            for i in range(visitors)
        ))
    b50, b99 = common.percentile(bridge_ms, 50), common.percentile(bridge_ms, 99)
    d50, d99 = common.percentile(direct_ms, 50), common.percentile(direct_ms, 99)
    print(f"through bridge: {common.summary(bridge_ms)}")
    print(f"Rasa direct:    {common.summary(direct_ms)}")
    print(json.dumps({"visitors": visitors, "questions_each": questions,
                      "bridge_p50_ms": round(b50, 2), "bridge_p99_ms": round(b99, 2),
                      "direct_p50_ms": round(d50, 2), "direct_p99_ms": round(d99, 2),
                      "ratio_p50": round(b50 / d50, 3), "ratio_p99": round(b99 / d99, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    print(f"# bot path on {common.machine()}, commit {common.git_head()}", flush=True)
    with common.full_stack(VISITOR_RATE="1000000") as stack:
        asyncio.run(run(stack.bridge_url, stack.rasa_url, args.visitors, args.questions))


if __name__ == "__main__":
    main()
