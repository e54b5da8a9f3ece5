"""The trainer: retrains the pack with what the business taught, checks the new model at a gate,
and makes it live on every Rasa worker (bot/model_server.py serves it, scripts/rasa_live.py
pulls it).

One training at a time on any machine (a lease in the store, renewed while it trains), at the
lowest CPU priority (`nice -n 19`), debounced: once TRAIN_AFTER_EXAMPLES examples were taught
since the last training, or once the oldest of them waited TRAIN_AFTER seconds, or at once when
a supervisor asks. The pack in git is never written: the build, the taught examples (as
`learned.yml`, held-back sentences left out) and the training happen in FRONTDESK_DATA_DIR/trainer/,
and only a model that passed the gate is copied into the pack's model folder. The status (for the
console) is in the store: idle, training, live, held_back, failed, with the gate's verdict.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml

from .config import ROOT, Settings
from .eval_data import held_back
from .model_server import live_file, model_files
from .periodic import Periodic
from .store import Store

log = logging.getLogger(__name__)
Example = dict[str, str]  # {"text", "intent"}: a sentence and the intent it was taught as
Taught = Callable[[], Awaitable[list[Example]]]
LEASE = 30.0  # seconds the trainer's lease lasts unless renewed (every LEASE / 3 while training)
TIMEOUT = 1800.0  # seconds one step (build, training, gate) may take
KEEP = 5  # model files kept in the pack's folder (the live and previous ones always)
BY = "trainer"


class TrainingFailed(RuntimeError):
    """A step of the training did not work; the message says which, with its last output."""


def digest(examples: list[Example]) -> str:
    """What was taught, as one value (order does not matter)."""
    lines = sorted(f"{e['intent']}\t{e['text']}" for e in examples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def learned_yaml(examples: list[Example], intents: set[str], held: set[str]) -> str:
    """Rasa NLU data of the taught examples: only intents the domain has, no held-back sentence,
    no entity markup (brackets read as plain text)."""
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        text = " ".join(example["text"].split()).replace("[", "(").replace("]", ")")
        if example["intent"] in intents and text and text.lower() not in held:
            by_intent.setdefault(example["intent"], []).append(text)
    nlu = [{"intent": intent, "examples": "".join(f"- {t}\n" for t in sorted(set(texts)))}
           for intent, texts in sorted(by_intent.items())]
    return yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False, allow_unicode=True)


class Trainer(Periodic):
    interval = 5.0

    def __init__(self, store: Store, settings: Settings, taught: Taught,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.settings = settings
        self.taught = taught
        self.clock = clock
        self.holder = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.work = settings.data_dir / "trainer"

    async def tick(self) -> None:
        if not await self.store.lead("trainer", self.holder, LEASE):
            return
        examples = await self.taught()
        status = await self.store.trainer_status()
        if self.due(status, examples):
            await self.train(status, examples)
        elif digest(examples) != status.get("trained", digest([])) and not status.get("waiting_since"):
            await self.store.set_trainer_status({**status, "waiting_since": repr(self.clock())})

    def due(self, status: dict[str, str], examples: list[Example]) -> bool:
        """Asked for, or enough taught since the last training, or taught long enough ago."""
        if status.get("asked") == "1":
            return True
        if digest(examples) == status.get("trained", digest([])):
            return False
        new = abs(len(examples) - int(status.get("trained_count") or 0)) or 1
        waited = self.clock() - float(status.get("waiting_since") or self.clock())
        return new >= self.settings.train_after_examples or waited >= self.settings.train_after

    async def train(self, status: dict[str, str], examples: list[Example]) -> None:
        """Build, train, gate, and promote or hold back; the status says how it went."""
        kept: dict[str, str] = {k: status[k] for k in ("trained", "trained_count") if k in status}
        started = self.clock()
        await self.store.set_trainer_status({**kept, "state": "training",
                                             "started_at": repr(started),
                                             "examples": str(len(examples))})
        renewing = asyncio.create_task(self.keep_lease())
        try:
            outcome = await self.train_and_gate(examples)
        except TrainingFailed as error:
            log.warning("training failed: %s", error)
            outcome = {"state": "failed", "detail": str(error)[-2000:]}
        finally:
            renewing.cancel()
        done: dict[str, str] = {"trained": digest(examples), "trained_count": str(len(examples))}
        await self.store.set_trainer_status({
            **(done if outcome["state"] != "failed" else kept), **outcome,
            "started_at": repr(started), "finished_at": repr(self.clock()),
            "examples": str(len(examples))})

    async def keep_lease(self) -> None:
        while True:
            await asyncio.sleep(LEASE / 3)
            await self.store.lead("trainer", self.holder, LEASE)

    async def train_and_gate(self, examples: list[Example]) -> dict[str, str]:
        site = self.settings.site_name
        name = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.clock())) + f"-taught-{len(examples)}"
        folder = self.work / name
        shutil.rmtree(self.work, ignore_errors=True)  # one training's files at a time
        folder.mkdir(parents=True)
        built = folder / site
        await self.step("build", [str(ROOT / ".venv" / "bin" / "python"),
                                  str(ROOT / "scripts" / "build_site.py"), site, "--out", str(folder)])
        intents = set(yaml.safe_load((built / "domain.yml").read_text(encoding="utf-8"))["intents"])
        (built / "data" / "learned.yml").write_text(
            learned_yaml(examples, intents, self.held_back()), encoding="utf-8")
        await self.step("training", [*self.rasa_python(), str(ROOT / "scripts" / "rasa_quiet.py"),
                                     "train", "--force", "--quiet", "--config",
                                     str(built / "config.yml"), "--domain", str(built / "domain.yml"),
                                     "--data", str(ROOT / "data"), str(built / "data"),
                                     "--out", str(folder), "--fixed-model-name", name])
        candidate = folder / f"{name}.tar.gz"
        verdict = await self.gate(candidate, examples, folder)
        if not verdict["passed"]:
            return {"state": "held_back", "gate": json.dumps(verdict)}
        live = await live_file(self.store, self.settings.model_dir)
        if live is not None and not await self.store.live_model():  # the newest file was live:
            await self.store.promote(live.name, BY, self.clock())  # one roll-back returns to it
        target = self.settings.model_dir / candidate.name
        self.settings.model_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(candidate, target.with_suffix(".part"))
        os.replace(target.with_suffix(".part"), target)
        await self.store.promote(target.name, BY, self.clock())
        await self.prune()
        shutil.rmtree(folder, ignore_errors=True)
        return {"state": "live", "model": target.name, "gate": json.dumps(verdict)}

    async def gate(self, candidate: Path, examples: list[Example], folder: Path) -> dict[str, Any]:
        """scripts/gate.py against the live model (none yet: nothing to compare, it passes)."""
        live = await live_file(self.store, self.settings.model_dir)
        if live is None:
            return {"passed": True, "fell": [], "note": "no live model to compare with"}
        (folder / "taught.json").write_text(json.dumps(examples), encoding="utf-8")
        out = folder / "gate.json"
        await self.step("gate", [*self.rasa_python(), str(ROOT / "scripts" / "gate.py"),
                                 "--site", self.settings.site_name, "--candidate", str(candidate),
                                 "--live", str(live), "--taught", str(folder / "taught.json"),
                                 "--json", str(out)], ok=(0, 1))
        verdict: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return verdict

    async def prune(self) -> None:
        """Keep the newest KEEP model files, and the live and previous ones whatever their age."""
        record = await self.store.live_model()
        keep = {record.get("name"), record.get("previous")}
        for path in model_files(self.settings.model_dir)[KEEP:]:
            if path.name not in keep:
                path.unlink(missing_ok=True)

    def held_back(self) -> set[str]:
        """Sentences never trained on: the pack's natural and check sentences, and the gate's
        safety set (a check trained on is no check)."""
        safety = ROOT / "sites" / "common" / "safety.jsonl"
        lines = safety.read_text(encoding="utf-8").splitlines() if safety.exists() else []
        return held_back(ROOT / "sites" / self.settings.site_name) | {
            json.loads(line)["text"].lower().strip() for line in lines if line.strip()}

    def rasa_python(self) -> list[str]:
        return ["nice", "-n", "19", str(self.settings.rasa_venv / "bin" / "python")]

    async def step(self, what: str, argv: list[str], ok: tuple[int, ...] = (0,)) -> None:
        """Run one step of the training as its own process; TrainingFailed if it fails."""
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
               "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        try:
            output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise TrainingFailed(f"{what} took longer than {TIMEOUT:.0f} s") from None
        if process.returncode not in ok:
            tail = output.decode(errors="replace")[-1500:]
            raise TrainingFailed(f"{what} failed (exit {process.returncode}): {tail}")


def serve(settings: Settings) -> None:
    """`python -m bot run trainer`: train what the console taught, until stopped."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    from .store.redis import RedisStore

    store = RedisStore.from_settings(settings)

    async def taught() -> list[Example]:
        return [{"text": e.text, "intent": e.intent} for e in await store.learned()]

    try:
        await Trainer(store, settings, taught).run()
    finally:
        await store.close()
