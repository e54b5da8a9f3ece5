"""Bot path against offered load: V visitors connected at once, each asking FAQ questions on a
schedule so that together they offer R questions a second; R steps up. For each step: answers/s
achieved, p50/p95/p99 latency, answers lost (no reply in 30 s) and handoffs for slowness
(`bot_unavailable`). Run for each number of Rasa worker processes given.

    .venv/bin/python bench/bot_load.py --visitors 200 --rates 20,40,60,80 --workers 1,2 \
        [--questions 20] [--plot docs/img/bot-load.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

import socketio
from bot_path import QUESTIONS

import common


class Visitor:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.replies.put_nowait)
        self.last = ""
        self.asked = 0

    async def connect(self) -> None:
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.sio.on("session_confirm", lambda sid: common.settle(confirmed, sid))
        await self.sio.connect(self.url, transports=["websocket"])
        await self.sio.emit("session_request", {})
        await asyncio.wait_for(confirmed, 30)

    async def ask(self) -> tuple[float, str]:
        """Latency (ms) and who answered: bot, handoff reason, or 'lost'."""
        question = random.choice([q for q in QUESTIONS if q != self.last])
        self.last = question
        while not self.replies.empty():
            self.replies.get_nowait()
        started = time.perf_counter()
        self.asked += 1  # a fresh id each time: a repeated one is a resend, answered once
        await self.sio.emit("user_uttered", {"message": question, "message_id": f"q{self.asked}"})
        try:
            reply = await asyncio.wait_for(self.replies.get(), 30)
        except TimeoutError:
            return 30_000.0, "lost"
        elapsed = (time.perf_counter() - started) * 1000
        handoff = (reply["metadata"].get("custom") or {}).get("handoff")
        return elapsed, handoff["reason"] if handoff else reply["metadata"]["sender"]


async def step(visitors: list[Visitor], rate: float, questions: int) -> dict:
    """Every visitor asks `questions` times, spaced so that all together offer `rate` a second."""
    interval = len(visitors) / rate
    results: list[tuple[float, str]] = []

    async def run(visitor: Visitor, index: int) -> None:
        await asyncio.sleep(random.uniform(0, interval))
        start = time.perf_counter()
        for k in range(questions):
            results.append(await visitor.ask())
            next_at = start + (k + 1) * interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    began = time.perf_counter()
    await asyncio.gather(*(run(v, i) for i, v in enumerate(visitors)))
    wall = time.perf_counter() - began
    answered = [ms for ms, who in results if who == "bot"]
    return {
        "offered_per_s": rate,
        "answers_per_s": round(len(answered) / wall, 1),
        "p50_ms": round(common.percentile(answered, 50), 1),
        "p95_ms": round(common.percentile(answered, 95), 1),
        "p99_ms": round(common.percentile(answered, 99), 1),
        "asked": len(results),
        "lost": sum(who == "lost" for _, who in results),
        "bot_unavailable": sum(who == "bot_unavailable" for _, who in results),
        "other_handoffs": sum(who not in ("bot", "lost", "bot_unavailable") for _, who in results),
    }


async def sweep(url: str, visitors: int, rates: list[float], questions: int) -> list[dict]:
    crowd = [Visitor(url) for _ in range(visitors)]
    for batch in range(0, visitors, 50):
        await asyncio.gather(*(v.connect() for v in crowd[batch:batch + 50]))
    rows = []
    for rate in rates:
        row = await step(crowd, rate, questions)
        print(json.dumps(row), flush=True)
        rows.append(row)
    await asyncio.gather(*(v.sio.disconnect() for v in crowd))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--rates", default="20,40,60,80,100")
    parser.add_argument("--questions", type=int, default=10, help="per visitor and step")
    parser.add_argument("--workers", default="1,2", help="Rasa worker processes to compare")
    parser.add_argument("--plot", help="write an SVG of p95 and throughput against offered load")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    print(f"# bot path against offered load on {common.machine()}, commit {common.git_head()}",
          flush=True)
    curves = {}
    for workers in args.workers.split(","):
        print(f"## RASA_WORKERS={workers}, {args.visitors} visitors", flush=True)
        with common.full_stack(VISITOR_RATE="1000000", RASA_WORKERS=workers) as stack:
            rows = asyncio.run(sweep(stack.bridge_url, args.visitors, rates, args.questions))
        curves[workers] = rows
    if args.plot:
        import plot

        plot.lines(args.plot, f"Bot path: {args.visitors} visitors asking FAQ questions",
                   "offered questions per second", "ms / answers per second",
                   {**{f"p95 ms, {w} Rasa worker(s)": [(r["offered_per_s"], r["p95_ms"]) for r in rows]
                       for w, rows in curves.items()},
                    **{f"answers/s, {w} Rasa worker(s)": [(r["offered_per_s"], r["answers_per_s"])
                                                          for r in rows]
                       for w, rows in curves.items()}}, logy=True)


if __name__ == "__main__":
    main()
