"""A duty run once a second in the background, until stopped; a failing round is logged and the
next one runs anyway (a Redis hiccup must not end it)."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses say what one round does (`tick`)."""

    interval = 1.0  # seconds between rounds
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s round failed", type(self).__name__)
            await asyncio.sleep(self.interval)

    async def tick(self) -> None:
        raise NotImplementedError
