"""The assistant's model, for supervisors: what runs, what the trainer did (and why the gate held
a model back), retrain now, roll back in one click. The training itself is bot/trainer.py's."""

from __future__ import annotations

import json
import time
from typing import Any

from ..errors import Refused
from ..events import Event
from ..handoff import access
from ..model_server import live_file, model_files
from ..models import Agent
from .desk import Desk, Result, ok

SHOWN_FILES = 10  # model files listed, newest first


class TrainingDesk(Desk):
    async def do_model(self, sid: str, agent: Agent, payload: Event) -> Result:
        access.check_supervisor(agent, "see the assistant's model")
        return ok(**await self.state())

    async def do_model_train(self, sid: str, agent: Agent, payload: Event) -> Result:
        """Ask the trainer to train now (at its next round), taught examples or not."""
        access.check_supervisor(agent, "retrain the assistant")
        status = await self.store.trainer_status()
        if status.get("state") == "training":
            raise Refused("state_changed", "The assistant is being trained already.")
        await self.store.set_trainer_status({**status, "asked": "1", "asked_by": agent.name})
        return ok(**await self.state())

    async def do_model_rollback(self, sid: str, agent: Agent, payload: Event) -> Result:
        """The previous model live again on every Rasa worker (within MODEL_PULL_EVERY)."""
        access.check_supervisor(agent, "roll the assistant back")
        if not await self.store.roll_back(agent.name, time.time()):
            raise Refused("state_changed", "There is no earlier model to go back to.")
        return ok(**await self.state())

    async def state(self) -> dict[str, Any]:
        live = await live_file(self.store, self.settings.model_dir)
        record = await self.store.live_model()
        status = await self.store.trainer_status()
        trainer: dict[str, Any] = {k: v for k, v in status.items() if k != "gate"}
        if status.get("gate"):
            trainer["gate"] = json.loads(status["gate"])
        return {"live": live.name if live else "", "previous": record.get("previous", ""),
                "promoted_by": record.get("by", ""), "trainer": trainer,
                "files": [p.name for p in model_files(self.settings.model_dir)[:SHOWN_FILES]]}
