"""`rasa run` that starts from the model on disk, then follows the live model (run in .venv-rasa
by `python -m bot run rasa`, bot/processes.py).

Rasa's model server mechanism (`models:` in endpoints) loads only from the server, so a worker
started before its bridge would have no model. This starts from the pack's newest file
(`--model`), names it by its file name (the ETag the bridge serves: bot/model_server.py), then
pulls as Rasa's model server does, with Rasa's own job (`_schedule_model_pulling`): a 304 while
the model is current, the new file (loaded without a restart) once one is promoted or rolled
back. Rasa is pinned (requirements/rasa.txt): `check` fails at start-up if what this uses moved.
The tokens come from the environment, never from a command line (`ps` shows this script).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def check(agent_module: Any) -> None:
    """Rasa still has what this relies on."""
    for name in ("load_agent", "_schedule_model_pulling"):
        if not callable(getattr(agent_module, name, None)):
            sys.exit(f"rasa_live: rasa.core.agent.{name} is gone; see requirements/rasa.txt")


def follow_live_model(url: str, token: str, every: int) -> None:
    """Every worker's agent, once loaded from disk, pulls the live model every `every` s."""
    from rasa.core import agent as agent_module
    from rasa.utils.endpoints import EndpointConfig

    check(agent_module)
    load = agent_module.load_agent

    async def load_then_follow(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        if agent.processor is not None:  # the file it runs: what the bridge's ETag names
            agent.fingerprint = Path(agent.processor.model_filename).name
        server = EndpointConfig(url, token=token, wait_time_between_pulls=every)
        agent.model_server = server
        await agent_module._schedule_model_pulling(server, every, agent)
        return agent

    agent_module.load_agent = load_then_follow


def main() -> None:
    url = os.environ.pop("FRONTDESK_MODEL_URL", "")
    token = os.environ.pop("FRONTDESK_MODEL_TOKEN", "")
    if url:
        follow_live_model(url, token, int(os.environ.pop("FRONTDESK_MODEL_PULL_EVERY", "10")))
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:], "--auth-token=" + os.environ.pop("FRONTDESK_RASA_TOKEN")]
    rasa_main()


if __name__ == "__main__":
    main()
