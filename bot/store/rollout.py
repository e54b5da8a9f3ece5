"""Which trained model every Rasa worker runs, and what the trainer is doing.

The live model is a name of a file in the pack's model folder; the bridge serves that file to
every Rasa worker (bot/model_server.py) and the trainer promotes a new one only after its gate
(bot/trainer.py). Until a model is promoted, the newest file is live.
"""

from __future__ import annotations

from typing import Protocol

LIVE_TTL = 400 * 86400  # a live-model record not promoted for this long ends (the newest file is live)
TRAINER_TTL = 30 * 86400  # the trainer's last status, kept for the console


class Rollout(Protocol):
    async def live_model(self) -> dict[str, str]:
        """The live model's record (`name`, `previous`, `promoted_at`, `by`); {} when none was
        promoted."""

    async def promote(self, name: str, by: str, now: float) -> dict[str, str]:
        """Make `name` live and the live one `previous` (unless it is `name` already); returns
        the new record."""

    async def roll_back(self, by: str, now: float) -> dict[str, str]:
        """The previous model live again (and the live one previous); {} when there is none."""

    async def trainer_status(self) -> dict[str, str]:
        """What the trainer did last (bot/trainer.py writes it); {} before it ever ran."""

    async def set_trainer_status(self, fields: dict[str, str]) -> None:
        """Replace the trainer's status with `fields` (kept TRAINER_TTL)."""
