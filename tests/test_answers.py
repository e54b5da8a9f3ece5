"""Answers edited live: a supervisor edits a topic's answer on bridge A and the next visitor
asking about it on bridge B gets the new text, links and buttons, with no retraining and no
restart; the edit is in the history; revert brings the pack's answer back; others are refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.site import ANSWERS_FILE, SITES, load

from clients import AgentClient, Visitor
from stack import ROOT, Stack, free_port
from waiting import eventually

QUESTION = "how much are tickets"
EDITED = ("Every seat is £20 this season. [Book online](https://tickets.example.org/book) "
          "or [not a link](javascript:alert(1)).")


@pytest.fixture(scope="module")
def second(stack: Stack) -> Iterator[str]:
    """Bridge B, sharing Redis and Rasa with bridge A."""
    port = str(free_port())
    bridge = stack.start_bridge(FRONTDESK_PORT=port)
    yield f"http://127.0.0.1:{port}"
    bridge.stop()


@pytest.fixture
async def pricing_kept(redis: aioredis.Redis) -> AsyncIterator[None]:
    """The pack's pricing answer again after the test, whatever happened."""
    yield
    await redis.delete("fd:answer:pricing", "fd:answer_history:pricing")


async def asked(url: str) -> dict[str, Any]:
    """A new visitor on `url` asks about prices; the bot's answer."""
    visitor = Visitor(url)
    await visitor.connect()
    try:
        return await visitor.ask(QUESTION)
    finally:
        await visitor.close()


async def test_an_edit_is_the_next_answer_on_another_bridge_and_revert_restores_it(
        stack: Stack, second: str, make_agent, faq_answers, pricing_kept: None,
        tmp_path: Path) -> None:
    pack = faq_answers["pricing"][0]
    before = await asked(second)
    assert before["text"] == pack and before["metadata"]["answer"] == {"topic": "pricing"}

    supervisor = AgentClient(stack.bridge_url)
    await supervisor.connect(*make_agent("general", role="supervisor"))
    refused = await supervisor.call("answer_set", {"topic": "pricing", "text": EDITED})
    assert refused["error"]["code"] == "invalid_link"  # the editor refuses what is not http(s)
    buttons = [{"title": "Book online", "url": "https://tickets.example.org/book"},
               {"title": "Refunds", "topic": "refunds"}]
    text = EDITED.replace("[not a link](javascript:alert(1))", "ask us")
    edited = await supervisor.must("answer_set", {"topic": "pricing", "text": text,
                                                  "buttons": buttons})
    assert edited["live"]["text"] == text and edited["pack"]["text"] == pack
    at = time.monotonic()

    answer = await eventually(lambda: _new_text(second, pack), timeout=5,
                              what="the edited answer on bridge B")
    took = time.monotonic() - at
    assert answer["text"] == text, answer
    assert answer["quick_replies"] == [
        {"content_type": "text", "type": "web_url", "title": "Book online",
         "url": "https://tickets.example.org/book"},
        {"content_type": "text", "title": "Refunds", "payload": "/faq_refunds"},
    ]
    print(f"edit to answer on another bridge: {took:.2f} s (one visitor question)")

    history = (await supervisor.must("answer_history", {"topic": "pricing"}))["history"]
    assert [(e["before"], e["after"]["text"]) for e in history] == [(None, text)]
    listed = (await supervisor.must("answers"))["topics"]
    assert next(t for t in listed if t["topic"] == "pricing")["live"]["text"] == text

    # `pack export` writes it into the pack (answers.yml), which then reads it as its own answer.
    sites = tmp_path / "sites"
    shutil.copytree(SITES / "lantern-street", sites / "lantern-street")
    shutil.copytree(SITES / "common", sites / "common")
    subprocess.run([sys.executable, "-m", "bot", "pack", "export", "--sites", str(sites)],
                   cwd=ROOT, env=stack.env, check=True, capture_output=True, text=True)
    assert (sites / "lantern-street" / ANSWERS_FILE).is_file()
    exported = load("lantern-street", sites).topics["pricing"]
    assert exported.answer == text and [b.title for b in exported.buttons] == ["Book online",
                                                                               "Refunds"]

    await supervisor.must("answer_revert", {"topic": "pricing"})
    assert (await asked(second))["text"] == pack
    history = (await supervisor.must("answer_history", {"topic": "pricing"}))["history"]
    assert [(e["before"] and e["before"]["text"], e["after"] and e["after"]["text"])
            for e in history] == [(text, None), (None, text)]
    await supervisor.close()


async def _new_text(url: str, old: str) -> dict[str, Any] | None:
    answer = await asked(url)
    return answer if answer["text"] != old else None


async def test_only_supervisors_edit_answers(stack: Stack, make_agent,
                                             pricing_kept: None) -> None:
    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("tickets_billing"))
    for event, payload in [("answers", {}), ("answer_history", {"topic": "pricing"}),
                           ("answer_set", {"topic": "pricing", "text": "Free for all!"}),
                           ("answer_revert", {"topic": "pricing"})]:
        result = await agent.call(event, payload)
        assert result["error"]["code"] == "forbidden", (event, result)
    await agent.close()
    supervisor = AgentClient(stack.bridge_url)
    await supervisor.connect(*make_agent("general", role="supervisor"))
    unknown = await supervisor.call("answer_set", {"topic": "no_such_topic", "text": "Hi"})
    assert unknown["error"]["code"] == "unknown_topic"
    nothing = await supervisor.call("answer_revert", {"topic": "pricing"})
    assert nothing["error"]["code"] == "nothing_to_revert"
    await supervisor.close()
