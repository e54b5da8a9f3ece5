"""The assistant's own checks: `rasa data validate` and `rasa test` story tests."""

from __future__ import annotations

import json
import os
import subprocess

from stack import ROOT, Stack


def rasa(stack: Stack, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**stack.env, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )


def endpoints(stack: Stack):
    """The endpoints file the Rasa server of this stack reads (written when it started)."""
    from bot.config import Settings

    return Settings.from_env(stack.env).data_dir / "rasa-endpoints.yml"


def test_training_data_is_valid(stack: Stack) -> None:
    """The built project of the sample pack (base + sites/lantern-street/) passes Rasa's checks."""
    result = rasa(stack, "data", "validate", "--fail-on-warnings", "--config", "config.yml",
                  "--domain", "build/lantern-street/domain.yml",
                  "--data", "data", "build/lantern-street/data")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_tests_pass(stack: Stack, tmp_path) -> None:
    """Every conversation rule in tests/rasa/test_stories.yml, with the real action server."""
    result = rasa(
        stack, "test", "core", "--stories", "tests/rasa/test_stories.yml",
        "--endpoints", str(endpoints(stack)), "--model", "models/lantern-street", "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout[-3000:] + result.stderr[-3000:] + details)
    assert os.path.exists(tmp_path / "story_report.json")


async def test_long_conversation_keeps_only_recent_turns_and_its_rules(stack: Stack, redis) -> None:
    """Rasa's tracker holds the last RASA_MAX_TURNS (8) turns, however long the conversation, and
    the rules that look back (two strikes, same question twice) still work after the cut."""
    import aiohttp

    sender = "long-" + os.urandom(6).hex()
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    questions = ["what are your opening hours?", "where is the theatre?", "how much are tickets?"]
    async with aiohttp.ClientSession() as http:
        async def say(text: str) -> list[dict]:
            async with http.post(url, json={"sender": sender, "message": text}) as response:
                assert response.status == 200
                return await response.json()

        for k in range(30):
            assert (await say(questions[k % 3]))[0].get("text")
        stored = json.loads(await redis.get(f"rasa:tracker:{sender}"))
        users = [e for e in stored["events"] if e["event"] == "user"]
        assert len(users) == 8
        assert users[-1]["text"] == questions[29 % 3]
        size_at_30 = len(json.dumps(stored))

        first = await say("/nlu_fallback")  # not understood once: asks to rephrase
        assert "say it another way" in first[0]["text"]
        second = await say("/nlu_fallback")  # twice in a row: hands over
        assert any((r.get("custom") or {}).get("handoff") for r in second), second
        for k in range(30):
            await say(questions[k % 3])
        stored = json.loads(await redis.get(f"rasa:tracker:{sender}"))
        assert len(json.dumps(stored)) < 1.5 * size_at_30  # bounded, not growing with length
        assert 0 < await redis.ttl(f"rasa:tracker:{sender}")  # and it expires


async def test_a_misspelt_question_is_read_as_the_word_meant(stack: Stack) -> None:
    """Typing slips are read as the training word one edit away (actions/components.py,
    `SpellingNormalizer`), so the bot is as sure as for the right spelling (without it these
    parse at 0.70-0.82); an English word the training data lacks is left alone, never turned
    into a topic's word ("pork" is not "park")."""
    import aiohttp

    url = f"{stack.rasa_url}/model/parse?token={stack.env['RASA_TOKEN']}"
    slips = {"how do I get a refnud": "faq_refunds", "can I cancle my booking": "faq_cancel_order",
             "how do i contcat you": "faq_contact", "acn i get an invoise": "faq_invoice"}
    async with aiohttp.ClientSession() as http:
        async def parse(text: str) -> dict:
            async with http.post(url, json={"text": text}) as response:
                assert response.status == 200
                return (await response.json())["intent"]

        for text, topic in slips.items():
            intent = await parse(text)
            assert (intent["name"], intent["confidence"] >= 0.9) == (topic, True), (text, intent)
        for text in ("I cooked pork for dinner", "we had pulled pork at the buffet"):
            intent = await parse(text)
            assert not intent["name"].startswith("faq_"), (text, intent)
