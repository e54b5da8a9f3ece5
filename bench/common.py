"""Shared pieces of the benchmarks: starting processes, percentiles, memory, Redis counts."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from stack import Stack


def new_stack(**env: str) -> Stack:
    env = {"VISITOR_ADDRESS_FACTOR": "100000", **env}  # every simulated visitor is on 127.0.0.1
    return Stack.create(Path(tempfile.mkdtemp(prefix="frontdesk-bench-")), LOG_LEVEL="WARNING",
                        **env)


def settle(future: asyncio.Future[Any], value: Any) -> None:
    """Give `future` its result unless it has one (event handlers may fire twice)."""
    if not future.done():
        future.set_result(value)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> str:
    return (f"n={len(values_ms)} p50={percentile(values_ms, 50):.2f} ms "
            f"p99={percentile(values_ms, 99):.2f} ms mean={statistics.fmean(values_ms):.2f} ms")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def redis_commands(url: str) -> int:
    """Total commands the Redis server has processed (INFO stats)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


def redis_commandstats(url: str) -> dict[str, int]:
    """Calls per Redis command so far (INFO commandstats)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return {name.removeprefix("cmdstat_"): int(stats["calls"])
                for name, stats in client.info("commandstats").items()}
    finally:
        client.close()


def git_head() -> str:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                       text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


class full_stack:
    """Redis, action server, Rasa and one bridge for a benchmark; stopped on exit."""

    def __init__(self, **env: str) -> None:
        self.stack = new_stack(**env)

    def __enter__(self) -> Stack:
        try:
            self.stack.start_redis()
            self.stack.start_actions()
            self.stack.start_rasa()
            self.stack.start_bridge()
        except BaseException:
            self.stack.stop_all()
            raise
        return self.stack

    def __exit__(self, *exc: object) -> None:
        self.stack.stop_all()
