"""The trainer's rules without training: when it trains (debounce, asked), what it trains on
(taught examples as Rasa data: known intents only, held-back sentences left out, no markup), and
the model server's choice of the live file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml

from bot.config import Settings
from bot.model_server import live_file, model_files
from bot.store.memory import ManualClock, MemoryStore
from bot.trainer import Trainer, digest, learned_yaml

A = {"text": "zorblax wimbly", "intent": "faq_refunds"}
B = {"text": "where do i park", "intent": "faq_parking"}


def trainer(tmp_path: Path, clock: ManualClock, **env: str) -> Trainer:
    settings = Settings.from_env({"FRONTDESK_DATA_DIR": str(tmp_path),
                                  "REDIS_URL": "redis://127.0.0.1:1/0", **env})

    async def taught() -> list[dict[str, str]]:
        return []

    return Trainer(MemoryStore(clock), settings, taught, clock)


def test_it_trains_after_enough_examples_or_a_long_enough_wait(tmp_path: Path) -> None:
    clock = ManualClock()
    t = trainer(tmp_path, clock, TRAIN_AFTER_EXAMPLES="2", TRAIN_AFTER="600")
    assert not t.due({}, [])  # nothing taught, nothing asked
    assert not t.due({}, [A])  # one new example: wait for another, or for 600 s
    assert t.due({}, [A, B])
    waiting = {"waiting_since": repr(clock())}
    clock.advance(599)
    assert not t.due(waiting, [A])
    clock.advance(1)
    assert t.due(waiting, [A])
    trained = {"trained": digest([A, B]), "trained_count": "2"}
    assert not t.due(trained, [B, A])  # the same examples in another order
    assert t.due({**trained, "asked": "1"}, [A, B])  # a supervisor asked


def test_taught_examples_become_rasa_data_without_held_back_or_unknown(tmp_path: Path) -> None:
    examples = [A, {"text": "  Where  is [the] box office ", "intent": "faq_location"},
                {"text": "are you a bot", "intent": "faq_refunds"},  # held back below
                {"text": "hello", "intent": "no_such_intent"}, {"text": "", "intent": "faq_refunds"}]
    data = yaml.safe_load(learned_yaml(examples, {"faq_refunds", "faq_location"},
                                       {"are you a bot"}))
    assert data["nlu"] == [{"intent": "faq_location", "examples": "- Where is (the) box office\n"},
                           {"intent": "faq_refunds", "examples": "- zorblax wimbly\n"}]


def test_the_live_file_is_the_promoted_one_else_the_newest(tmp_path: Path) -> None:
    store = MemoryStore()
    for age, name in enumerate(["new.tar.gz", "old.tar.gz"]):
        (tmp_path / name).write_bytes(b"model")
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))
    assert [p.name for p in model_files(tmp_path)] == ["new.tar.gz", "old.tar.gz"]

    async def live() -> str:
        found = await live_file(store, tmp_path)
        return found.name if found else ""

    assert asyncio.run(live()) == "new.tar.gz"
    asyncio.run(store.promote("old.tar.gz", "sam", 1.0))
    assert asyncio.run(live()) == "old.tar.gz"
    asyncio.run(store.promote("gone.tar.gz", "sam", 2.0))  # deleted since: the newest again
    assert asyncio.run(live()) == "new.tar.gz"
