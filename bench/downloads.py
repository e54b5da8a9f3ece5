"""Downloads of one big file by many readers at once: the bridge's resident memory before,
at its peak and after, and how long /healthz takes meanwhile (Redis and the bridge only; Rasa
is left out, so /healthz answers 503 for it: its latency is what counts here).

A visitor uploads a 5 MB PDF, then its link is fetched --concurrency at a time, --rounds times,
from one address; the download bounds are raised to --concurrency (ATTACHMENT_DOWNLOADS and
ATTACHMENT_DOWNLOADS_PER_ADDRESS) so that every fetch is served: the worst case for memory.
With the default bounds (4 per address, 64 in all) pass --bounds default: the excess is refused.

    .venv/bin/python bench/downloads.py --concurrency 200 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter

import aiohttp
from test_attachments import PDF, upload

import common
from clients import Visitor

SIZE = 5 * 1024 * 1024


async def sample(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    """The bridge's resident memory every 20 ms; the highest seen goes into `peak`."""
    while not stop.is_set():
        peak[0] = max(peak[0], common.rss_mb(pid))
        await asyncio.sleep(0.02)


async def probe(url: str, latencies: list[float], stop: asyncio.Event) -> None:
    """GET /healthz one after another; each one's time in ms."""
    async with aiohttp.ClientSession() as http:
        while not stop.is_set():
            started = time.perf_counter()
            async with http.get(f"{url}/healthz") as response:
                await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.01)


async def fetch_all(http: aiohttp.ClientSession, link: str, n: int) -> tuple[Counter, int]:
    """`n` GETs of the link at once, each read to the end; statuses and bytes received."""

    async def one() -> tuple[int, int]:
        async with http.get(link) as response:
            received = 0
            async for chunk in response.content.iter_any():
                received += len(chunk)
            return response.status, received

    results = await asyncio.gather(*(one() for _ in range(n)))
    return Counter(status for status, _ in results), sum(received for _, received in results)


async def run(url: str, pid: int, concurrency: int, rounds: int) -> None:
    visitor = Visitor(url)
    await visitor.connect()
    status, body = await upload(url, visitor.session_id, PDF + b"\0" * (SIZE - len(PDF)),
                                "programme.pdf", "application/pdf")
    assert status == 200, body
    link = body["message"]["file"]["url"]
    await asyncio.sleep(1)
    before = common.rss_mb(pid)
    peak, stop = [before], asyncio.Event()
    latencies: list[float] = []
    watchers = [asyncio.create_task(sample(pid, peak, stop)),
                asyncio.create_task(probe(url, latencies, stop))]
    statuses: Counter = Counter()
    received = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        for _ in range(rounds):
            counted, got = await fetch_all(http, link, concurrency)
            statuses += counted
            received += got
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*watchers)
    await asyncio.sleep(2)
    after = common.rss_mb(pid)
    await visitor.close()
    print(json.dumps({
        "file_mb": SIZE / 1048576, "concurrency": concurrency, "rounds": rounds,
        "statuses": dict(statuses), "received_mb": round(received / 1048576),
        "seconds": round(elapsed, 1),
        "bridge_rss_mb": {"before": round(before), "peak": round(peak[0]), "after": round(after)},
        "healthz_ms": {"n": len(latencies), "p50": round(common.percentile(latencies, 50), 1),
                       "p99": round(common.percentile(latencies, 99), 1),
                       "max": round(max(latencies), 1)},
    }), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bounds", choices=["raised", "default"], default="raised")
    args = parser.parse_args()
    print(f"# downloads on {common.machine()}, commit {common.git_head()}", flush=True)
    bounds = {} if args.bounds == "default" else {
        "ATTACHMENT_DOWNLOADS": str(args.concurrency),
        "ATTACHMENT_DOWNLOADS_PER_ADDRESS": str(args.concurrency)}
    stack = common.new_stack(RASA_URL="http://127.0.0.1:9", **bounds)
    try:
        stack.start_redis()
        bridge = stack.start_bridge()
        asyncio.run(run(stack.bridge_url, bridge.popen.pid, args.concurrency, args.rounds))
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
