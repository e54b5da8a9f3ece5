"""The live model's record and the trainer's status in memory."""

from __future__ import annotations

from .. import keys
from ..rollout import LIVE_TTL, TRAINER_TTL
from .base import MemoryPart


class MemoryRollout(MemoryPart):
    """`Rollout` in memory."""

    async def live_model(self) -> dict[str, str]:
        return dict(self._hash(keys.LIVE_MODEL))

    async def promote(self, name: str, by: str, now: float) -> dict[str, str]:
        record = self._hash(keys.LIVE_MODEL)
        if record.get("name", "") != name:
            self._hset(keys.LIVE_MODEL, previous=record.get("name", ""))
        self._hset(keys.LIVE_MODEL, name=name, promoted_at=repr(now), by=by)
        self.keys.expire(keys.LIVE_MODEL, LIVE_TTL)
        return await self.live_model()

    async def roll_back(self, by: str, now: float) -> dict[str, str]:
        record = self._hash(keys.LIVE_MODEL)
        if not record.get("previous"):
            return {}
        self._hset(keys.LIVE_MODEL, name=record["previous"], previous=record.get("name", ""),
                   promoted_at=repr(now), by=by)
        self.keys.expire(keys.LIVE_MODEL, LIVE_TTL)
        return await self.live_model()

    async def trainer_status(self) -> dict[str, str]:
        return dict(self._hash(keys.TRAINER))

    async def set_trainer_status(self, fields: dict[str, str]) -> None:
        self.keys.delete(keys.TRAINER)
        if fields:
            self._hset(keys.TRAINER, **fields)
            self.keys.expire(keys.TRAINER, TRAINER_TTL)
