"""The trainer with the real Rasa: taught examples are trained, gated and rolled out to
running Rasa workers through the bridge's model server; a poisoned batch is held back; one
roll-back returns to the previous model."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.config import Settings
from bot.model_server import model_files
from bot.store.redis import RedisStore
from bot.trainer import Example, Trainer

from stack import Stack, free_port, http_ok, rasa_api
from waiting import eventually

# Made-up words no pack has: only the taught examples can give them a topic.
TAUGHT = [{"text": t, "intent": "faq_refunds"} for t in (
    "zorblax wimbly", "zorblax wimbly please", "about my zorblax wimbly",
    "a zorblax wimbly question", "the zorblax wimbly thing")]
PROBE = "zorblax wimbly quandle"  # not taught as such
# Refund questions taught as prices: the gate must see the right topic found less often (or a
# wrong topic answered). Off-topic questions taught as a topic are no reliable test: the new
# model mostly asks "did you mean" about them, which is safe; nor is "are you a bot" taught as a
# topic: the base's BotChallengeDetector answers it whatever the classifier learnt.
POISON = [{"text": t, "intent": "faq_pricing"} for t in (
    "i want my money back", "can i get a refund", "refund my tickets please",
    "how do i get my money back", "i need a refund for my booking", "please refund me",
    "can you give me my money back", "refund for the show i cant attend",
    "i'd like a refund on my order", "when do i get my money back", "money back please",
    "how long does a refund take", "i want to be refunded", "refund request")]


@pytest.fixture
def rollout(stack: Stack, isolated, tmp_path: Path):
    """A bridge on its own Redis database serving a model folder of its own, and a Rasa server
    of two worker processes (Sanic workers on one port), each following it (pulling every
    second)."""
    folder = tmp_path / "models"
    folder.mkdir()
    newest = model_files(Path("models") / stack.env["SITE"])[0]
    shutil.copyfile(newest, folder / "20000101-000000-base.tar.gz")
    url, redis_url = isolated(RASA_MODEL_DIR=str(folder))
    rasa_port = str(free_port())
    rasa = stack.start("rasa", RASA_PORT=rasa_port, REDIS_URL=redis_url,
                       RASA_MODEL_DIR=str(folder), MODEL_PULL_EVERY="1", RASA_WORKERS="2",
                       MODEL_SERVER_URL=f"{url}/models/live")
    token = stack.env["RASA_TOKEN"]
    stack.wait(rasa, lambda: http_ok(f"http://127.0.0.1:{rasa_port}/status?token={token}"), 300)
    settings = Settings.from_env({**stack.env, "REDIS_URL": redis_url,
                                  "RASA_MODEL_DIR": str(folder),
                                  "FRONTDESK_DATA_DIR": str(tmp_path / "trainer-data")})
    yield settings, rasa_port, token
    rasa.stop()


def running(port: str, token: str) -> str:
    """The model every worker runs ("" while they differ): each request reaches one of them."""
    seen = {str(rasa_api(port, token, "/status")["model_file"]) for _ in range(12)}
    return seen.pop() if len(seen) == 1 else ""


def intent(port: str, token: str, text: str) -> str:
    return str(rasa_api(port, token, "/model/parse", {"text": text})["intent"]["name"])


async def train(settings: Settings, examples: list[Example]) -> dict[str, str]:
    store = RedisStore(settings.redis_url)

    async def taught() -> list[Example]:
        return examples

    try:
        trainer = Trainer(store, settings, taught)
        await store.set_trainer_status({"asked": "1"})
        await trainer.tick()
        return await store.trainer_status()
    finally:
        await store.close()


def test_the_model_server_needs_its_token_and_answers_304(stack: Stack) -> None:
    token = Settings.from_env(stack.env).model_token
    newest = model_files(Path("models") / stack.env["SITE"])[0]

    def get(query: str, etag: str = "") -> tuple[int, str, int]:
        request = urllib.request.Request(f"{stack.bridge_url}/models/live{query}",
                                         headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("ETag", ""), len(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("ETag", ""), 0

    assert get("")[0] == 401 and get("?token=wrong")[0] == 401
    assert get(f"?token={token}") == (200, newest.name, newest.stat().st_size)
    assert get(f"?token={token}", etag=newest.name)[:2] == (304, newest.name)
    assert get(f"?token={token}", etag="older.tar.gz")[0] == 200


async def test_taught_examples_go_live_on_a_running_worker_and_roll_back(rollout) -> None:
    settings, port, token = rollout
    assert running(port, token) == "20000101-000000-base.tar.gz"  # from disk, then current
    assert intent(port, token, PROBE) != "faq_refunds"
    status = await train(settings, TAUGHT)
    assert status["state"] == "live", status
    new = status["model"]
    await eventually(lambda: running(port, token) == new, timeout=60, what="the worker pulled it")
    assert intent(port, token, PROBE) == "faq_refunds"
    assert json.loads(status["gate"])["passed"]

    store = RedisStore(settings.redis_url)
    try:
        back = await store.roll_back("sam", 1.0)
    finally:
        await store.close()
    assert back["name"] == "20000101-000000-base.tar.gz" and back["previous"] == new
    await eventually(lambda: running(port, token) == back["name"], timeout=60,
                     what="the worker rolled back")
    assert intent(port, token, PROBE) != "faq_refunds"


async def test_a_poisoned_batch_is_held_back_and_says_why(rollout) -> None:
    settings, port, token = rollout
    status = await train(settings, POISON)
    assert status["state"] == "held_back", status
    verdict = json.loads(status["gate"])
    assert verdict["fell"] and verdict["lost"], verdict  # which figure fell, and the sentences
    assert all(c["intent"] == "faq_pricing" for c in verdict["causes"])
    assert running(port, token) == "20000101-000000-base.tar.gz"  # nothing was rolled out
    assert [p.name for p in model_files(settings.model_dir)] == ["20000101-000000-base.tar.gz"]
