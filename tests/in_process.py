"""What the in-process tier (tests/fast/) builds the real `Handoff` and desks on: a Socket.IO
server that sends nothing, and a bridge's settings for the memory store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot.config import Settings


class Silent:
    """Stands in for `socketio.AsyncServer` as `Relay` uses it: sends nothing."""

    manager = SimpleNamespace(rooms={})

    async def emit(self, *_: Any, **__: Any) -> None:
        await asyncio.sleep(0)

    async def enter_room(self, *_: Any, **__: Any) -> None:
        pass

    async def leave_room(self, *_: Any, **__: Any) -> None:
        pass


def desk_settings(folder: Path, auto_assign: bool) -> Settings:
    """A bridge's settings from a mapping: the sample pack, always open."""
    return Settings.from_env({
        "FRONTDESK_DATA_DIR": str(folder),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never connected to: the store is in memory
        "SITE": "lantern-street", "BUSINESS_HOURS": "", "AUTO_ASSIGN": str(auto_assign).lower(),
    })
