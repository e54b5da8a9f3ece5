"""Waiting in tests for a condition, never for a fixed time: a slow machine makes a test slower,
not wrong, and a fast one does not wait for nothing."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(check: Callable[[], Awaitable[T]], timeout: float = ...,
                     interval: float = ..., what: str = ...) -> T: ...
@overload
async def eventually(check: Callable[[], T], timeout: float = ..., interval: float = ...,
                     what: str = ...) -> T: ...


async def eventually(check: Callable[[], Any], timeout: float = 10, interval: float = 0.05,
                     what: str = "") -> Any:
    """The first truthy result of `check` (sync or async), asked every `interval` seconds;
    AssertionError naming `what` (and the last result) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {timeout} s: {what or check!r} (last: {result!r})")
        await asyncio.sleep(interval)
