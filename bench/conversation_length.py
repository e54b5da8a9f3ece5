"""Bot path against conversation length: one visitor asks FAQ questions in a loop through the
bridge, and a second conversation asks the same questions straight at Rasa's REST webhook in the
same run. Prints the median per window of messages and the ratio of the last window to the first.

    .venv/bin/python bench/conversation_length.py --messages 400 [--plot docs/img/conversation-length.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics

import aiohttp
import socketio
from bot_path import QUESTIONS, direct

import common

WINDOW = 20


async def conversation(url: str, rasa_url: str, messages: int) -> tuple[list[float], list[float]]:
    """Latency of each message (ms) through the bridge and straight at Rasa."""
    replies: asyncio.Queue = asyncio.Queue()
    visitor = socketio.AsyncClient(reconnection=False)
    visitor.on("bot_uttered", replies.put_nowait)
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    visitor.on("session_confirm", lambda sid: common.settle(confirmed, sid))
    await visitor.connect(url, transports=["websocket"])
    await visitor.emit("session_request", {})
    await asyncio.wait_for(confirmed, 10)
    sender = f"direct-{secrets.token_hex(8)}"
    bridge_ms: list[float] = []
    direct_ms: list[float] = []
    async with aiohttp.ClientSession() as http:
        for k in range(messages):
            question = QUESTIONS[k % len(QUESTIONS)]
            started = asyncio.get_running_loop().time()
            await visitor.emit("user_uttered", {"message": question, "message_id": f"m{k}"})
            reply = await asyncio.wait_for(replies.get(), 60)
            bridge_ms.append((asyncio.get_running_loop().time() - started) * 1000)
            if reply["metadata"]["sender"] != "bot":
                raise SystemExit(f"message {k + 1} was handed over, not answered by the bot")
            await asyncio.sleep(0.02)
            while not replies.empty():
                replies.get_nowait()
            direct_ms.append(await direct(http, rasa_url, sender, question))
    await visitor.disconnect()
    return bridge_ms, direct_ms


def windows(values: list[float]) -> list[tuple[int, float]]:
    """(last message number, median) for every WINDOW messages."""
    return [(i + WINDOW, statistics.median(values[i:i + WINDOW]))
            for i in range(0, len(values) - WINDOW + 1, WINDOW)]


def report(bridge_ms: list[float], direct_ms: list[float]) -> dict:
    b, d = windows(bridge_ms), windows(direct_ms)
    print(f"{'messages':>10} {'bridge p50 ms':>14} {'Rasa direct p50 ms':>19}")
    for (n, bm), (_, dm) in zip(b, d):
        print(f"{n - WINDOW + 1:>4}-{n:<5} {bm:>14.1f} {dm:>19.1f}")
    result = {"messages": len(bridge_ms),
              "bridge_first_p50_ms": round(b[0][1], 2), "bridge_last_p50_ms": round(b[-1][1], 2),
              "bridge_last_over_first": round(b[-1][1] / b[0][1], 3),
              "direct_first_p50_ms": round(d[0][1], 2), "direct_last_p50_ms": round(d[-1][1], 2),
              "direct_last_over_first": round(d[-1][1] / d[0][1], 3)}
    print(json.dumps(result))
    return {"bridge": b, "direct": d, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--plot", help="write an SVG of median latency against length here")
    args = parser.parse_args()
    print(f"# bot path against conversation length on {common.machine()}, commit {common.git_head()}",
          flush=True)
    results = {}
    for label, turns in (("Rasa's RedisTrackerStore", "0"), ("recent turns (default)", "")):
        print(f"## tracker store: {label}", flush=True)
        env = {"VISITOR_RATE": "1000000", **({"RASA_MAX_TURNS": turns} if turns else {})}
        with common.full_stack(**env) as stack:
            bridge_ms, direct_ms = asyncio.run(
                conversation(stack.bridge_url, stack.rasa_url, args.messages))
        results[label] = report(bridge_ms, direct_ms)
    if args.plot:
        import plot

        plot.lines(args.plot, "Bot path: median latency against conversation length",
                   "messages into the conversation", "median ms (window of 20 messages)",
                   {f"{label}, {path}": result[key]
                    for label, result in results.items()
                    for path, key in (("through the bridge", "bridge"), ("Rasa direct", "direct"))})

if __name__ == "__main__":
    main()
