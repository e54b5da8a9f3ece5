"""Bot path: N simulated visitors ask FAQ questions through the bridge; the same questions go
straight to Rasa's HTTP API in the same run, interleaved, and through a bare python-socketio
echo (the Socket.IO hop alone, at the same pacing). Prints p50/p99 of each, the ratio, and the
floor: the ratio a bridge doing nothing but relaying would have (Rasa direct + the echo).

    .venv/bin/python bench/bot_path.py --visitors 10 --questions 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import time

import aiohttp
import socketio

import common
from stack import free_port, tcp_open

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
    visitor.on("session_confirm", lambda sid: common.settle(confirmed, sid))
    await visitor.emit("session_request", {})
    await asyncio.wait_for(confirmed, 10)


async def direct(http: aiohttp.ClientSession, rasa_url: str, sender: str, question: str) -> float:
    started = time.perf_counter()
    async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": question}) as response:
        await response.json()
    return (time.perf_counter() - started) * 1000


class Echo:
    """Two clients of the bare echo server in a room of their own: one sends, the other gets it
    (client → server → client, the hops a question and its answer take through the bridge)."""

    def __init__(self, url: str) -> None:
        self.url, self.room = url, secrets.token_hex(6)
        self.sender = socketio.AsyncClient(reconnection=False)
        self.receiver = socketio.AsyncClient(reconnection=False)
        self.got: asyncio.Queue = asyncio.Queue()
        self.receiver.on("relayed", lambda m: self.got.put_nowait(m))

    async def __aenter__(self) -> Echo:
        for client in (self.sender, self.receiver):
            await client.connect(self.url, transports=["websocket"])
            await client.call("join", self.room, timeout=10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sender.disconnect()
        await self.receiver.disconnect()

    async def hop(self, question: str) -> float:
        await asyncio.sleep(0.05)  # as idle before it as the other two are
        started = time.perf_counter()
        await self.sender.emit("relay", {"room": self.room, "message": question})
        await asyncio.wait_for(self.got.get(), 10)
        return (time.perf_counter() - started) * 1000


async def one_visitor(i: int, url: str, rasa_url: str, echo_url: str,
                      http: aiohttp.ClientSession, n: int, figures: dict[str, list[float]],
                      warmup: int) -> None:
    replies: asyncio.Queue = asyncio.Queue()
    visitor = socketio.AsyncClient(reconnection=False)
    visitor.on("bot_uttered", lambda m: replies.put_nowait(m))
    await visitor.connect(url, transports=["websocket"])
    await new_session(visitor)
    sender = f"direct-{secrets.token_hex(8)}"
    async with Echo(echo_url) as echo:
        for k in range(n + warmup):
            question = QUESTIONS[(i + k) % len(QUESTIONS)]
            b = await through_bridge(url, visitor, question, replies)
            d = await direct(http, rasa_url, sender, question)
            e = await echo.hop(question)
            if k >= warmup:
                figures["bridge"].append(b)
                figures["direct"].append(d)
                figures["echo"].append(e)
    await visitor.disconnect()


async def run(url: str, rasa_url: str, echo_url: str, visitors: int, questions: int) -> None:
    figures: dict[str, list[float]] = {"bridge": [], "direct": [], "echo": []}
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(
            one_visitor(i, url, rasa_url, echo_url, http, questions, figures, warmup=2)
            for i in range(visitors)
        ))
    p = {(name, q): common.percentile(values, q) for name, values in figures.items()
         for q in (50, 99)}
    print(f"through bridge:        {common.summary(figures['bridge'])}")
    print(f"Rasa direct:           {common.summary(figures['direct'])}")
    print(f"bare Socket.IO echo:   {common.summary(figures['echo'])}")
    floor = (p["direct", 50] + p["echo", 50]) / p["direct", 50]
    own = p["bridge", 50] - p["direct", 50] - p["echo", 50]
    print(f"floor (direct + echo, p50): {floor:.3f}x; the bridge's own work at p50: {own:.2f} ms")
    print(json.dumps({"visitors": visitors, "questions_each": questions,
                      "bridge_p50_ms": round(p["bridge", 50], 2),
                      "bridge_p99_ms": round(p["bridge", 99], 2),
                      "direct_p50_ms": round(p["direct", 50], 2),
                      "direct_p99_ms": round(p["direct", 99], 2),
                      "echo_p50_ms": round(p["echo", 50], 2), "echo_p99_ms": round(p["echo", 99], 2),
                      "ratio_p50": round(p["bridge", 50] / p["direct", 50], 3),
                      "ratio_p99": round(p["bridge", 99] / p["direct", 99], 3),
                      "floor_ratio_p50": round(floor, 3), "own_p50_ms": round(own, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    print(f"# bot path on {common.machine()}, commit {common.git_head()}", flush=True)
    echo_port = free_port()
    echo_server = subprocess.Popen([sys.executable, str(common.ROOT / "bench" / "echo_server.py"),
                                    str(echo_port)])
    try:
        with common.full_stack(VISITOR_RATE="1000000") as stack:
            while not tcp_open(echo_port):
                time.sleep(0.1)
            asyncio.run(run(stack.bridge_url, stack.rasa_url, f"http://127.0.0.1:{echo_port}",
                            args.visitors, args.questions))
    finally:
        echo_server.terminate()


if __name__ == "__main__":
    main()
