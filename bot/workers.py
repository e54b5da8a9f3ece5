"""Threads for blocking calls, each kind in a bounded pool of its own, each call with a deadline.

asyncio's default executor (`asyncio.to_thread`) has min(32, cores + 4) threads shared by
everything: six uploads to a hung S3 bucket filled it on a 2-core machine, and an agent's login
(argon2, also in a thread) waited 100 s behind them. Storage calls therefore run in `Workers`
of their own (ATTACHMENT_THREADS, ATTACHMENT_TIMEOUT) and password checks in an executor of
their own (bot/agents.py). A call not done in time is answered `unavailable`: a call still
waiting for a thread is dropped, one already running is left to finish (a thread cannot be
stopped) and counted as stuck until it does; /healthz reports stuck storage.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from .errors import Refused

log = logging.getLogger(__name__)
T = TypeVar("T")


class Workers:
    """`threads` threads named `name`; `run` waits at most `timeout` seconds for a call."""

    def __init__(self, name: str, threads: int, timeout: float, unavailable: str) -> None:
        self.name = name
        self.executor = ThreadPoolExecutor(max(1, threads), thread_name_prefix=name)
        self.timeout = timeout
        self.unavailable = unavailable  # what a client is told when a call times out
        self.lock = threading.Lock()
        self.started: dict[Future[Any], float] = {}  # calls not finished yet -> when submitted

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a thread; Refused `unavailable` when not done within the timeout."""
        future = self.executor.submit(function, *args)
        with self.lock:
            self.started[future] = time.monotonic()
        future.add_done_callback(self._finished)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:  # a waiting call was cancelled; a running one goes on in its thread
            log.warning("%s: %s not done after %.0f s", self.name,
                        getattr(function, "__qualname__", function), self.timeout)
            raise Refused("unavailable", self.unavailable) from None

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """`function(*args)` in a thread, not waited for (closing a file or a stream)."""
        self.executor.submit(function, *args)

    def _finished(self, future: Future[Any]) -> None:
        with self.lock:
            self.started.pop(future, None)

    def stuck(self) -> int:
        """How many calls are past their timeout and not finished (running or waiting)."""
        limit = time.monotonic() - self.timeout
        with self.lock:
            return sum(1 for started in self.started.values() if started < limit)

    def close(self) -> None:
        """Drop waiting calls; running ones finish in their threads."""
        self.executor.shutdown(wait=False, cancel_futures=True)
