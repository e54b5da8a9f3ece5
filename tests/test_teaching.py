"""The To-teach loop on the real stack (Rasa, action server, bridge, Redis): what the bot did
not answer and an answer the visitor rejected reach a supervisor's To-teach view, never an agent
of another department; a label becomes a learned example; `pack export` writes it to the pack."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
import yaml

from bot.eval_data import held_back
from bot.pack import written
from bot.site import SITES

from clients import AgentClient, Visitor
from stack import ROOT, Stack
from waiting import eventually

GIBBERISH = ["florp quazzle wibbet snorkdang", "vrimble oxtaff glunder pazzik"]
PRICE = "how much are tickets?"
CLOSE = "handling fee"  # two close topics: "did you mean" (test_assistant.py)


def texts(result: dict[str, Any]) -> list[str]:
    return [t for group in result["groups"] for t in group["texts"]]


async def test_unanswered_questions_are_taught_and_exported(
        stack: Stack, isolated, make_agent, tmp_path: Path) -> None:
    url, redis_url = isolated(TEACH_AGENTS="true")
    boss, billing, web = AgentClient(url), AgentClient(url), AgentClient(url)
    boss_name, boss_password = make_agent("general", role="supervisor", redis_url=redis_url)
    await boss.connect(boss_name, boss_password)
    await billing.connect(*make_agent("tickets_billing", redis_url=redis_url))
    await web.connect(*make_agent("website_technical", redis_url=redis_url))
    visitor, declining = Visitor(url), Visitor(url)
    await visitor.connect()
    await declining.connect()
    try:
        # "Did you mean" turned down ("Something else: talk to a person").
        asked = await declining.ask(CLOSE)
        assert asked["quick_replies"][-1]["payload"] == "/human_handoff"
        await declining.say("/human_handoff")
        # A thumbs-down on a FAQ answer (once per answer; only the bot's answers).
        answer = await visitor.ask(PRICE)
        assert "£" in answer["text"]
        await visitor.sio.emit("reject_answer", {"message_id": answer["id"]})
        assert (await visitor.seen.wait_for("answer_rejected"))["message_id"] == answer["id"]
        # Two messages the bot cannot place: the second is handed over at the latest.
        for text in GIBBERISH:
            await visitor.ask(text)

        async def listed() -> dict[str, Any] | None:
            found = await boss.must("teach_list")
            return found if {PRICE, GIBBERISH[1], CLOSE} <= set(texts(found)) else None

        board = await eventually(listed, 30, what="the supervisor's To-teach list")
        price = next(g for g in board["groups"] if g["text"] == PRICE)
        assert price["kinds"] == {"rejected": 1} and price["guesses"] == ["faq_pricing"]
        assert price["departments"] == ["tickets_billing"]
        assert {"intent": "faq_pricing", "title": "Pricing"} in board["topics"]
        close = next(g for g in board["groups"] if g["text"] == CLOSE)
        offered = [q["payload"][1:] for q in asked["quick_replies"][:-1]]
        assert close["kinds"] == {"declined": 1} and close["guesses"] == offered

        # Never across departments: the billing agent sees the price question, the website
        # agent does not, and neither sees what belongs to no department or another one.
        mine = await billing.must("teach_list")
        assert PRICE in texts(mine)
        assert all(g["departments"] == ["tickets_billing"] for g in mine["groups"])
        theirs = await web.must("teach_list")
        assert PRICE not in texts(theirs)
        assert all(g["departments"] == ["website_technical"] for g in theirs["groups"])
        refused = await web.call("teach_label", {"entries": price["entries"],
                                                 "label": "faq_pricing"})
        assert refused["error"]["code"] == "not_yours"
        unknown = await boss.call("teach_label", {"entries": price["entries"],
                                                  "label": "faq_no_such_topic"})
        assert unknown["error"]["code"] == "unknown_topic"

        # The first message of a chat, labelled from the chat (ignored: nothing learned).
        first = await boss.must("teach_first", {"conversation_id": visitor.conversation_id,
                                                "label": "ignore"})
        assert first["text"] == PRICE and first["learned"] == 0

        # One click each: learned (who, when), and gone from the list.
        other = next(g for g in board["groups"] if GIBBERISH[1] in g["texts"])
        done = await boss.must("teach_label", {"entries": other["entries"],
                                               "label": "out_of_scope"})
        assert done["learned"] >= 1 and done["removed"] == len(other["entries"])
        await billing.must("teach_label", {"entries": price["entries"], "label": "faq_pricing"})
        after = await boss.must("teach_list")
        assert PRICE not in texts(after) and GIBBERISH[1] not in texts(after)
        store = aioredis.from_url(redis_url, decode_responses=True)
        try:
            learned = await store.hgetall("fd:learned")
        finally:
            await store.aclose()
        assert '"intent":"out_of_scope"' in learned[GIBBERISH[1]]
        assert f'"by":"{boss_name}"' in learned[GIBBERISH[1]]
        assert '"intent":"faq_pricing"' in learned[PRICE]
    finally:
        for client in (visitor, declining, boss, billing, web):
            await client.close()

    # Export into a copy of the pack: Rasa's NLU format, held-back questions left out.
    sites = tmp_path / "sites"
    shutil.copytree(SITES / "lantern-street", sites / "lantern-street")
    shutil.copytree(SITES / "common", sites / "common")
    subprocess.run([sys.executable, "-m", "bot", "pack", "export", "--sites", str(sites)],
                   cwd=ROOT, env={**stack.env, "REDIS_URL": redis_url}, check=True,
                   capture_output=True, text=True)
    folder = sites / "lantern-street"
    data = yaml.safe_load((folder / "nlu" / "learned.yml").read_text())
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert f"- {GIBBERISH[1]}\n" in examples["out_of_scope"]
    kept = PRICE.lower() not in held_back(folder) | written(folder)
    assert (f"- {PRICE}" in examples.get("faq_pricing", "")) == kept


async def test_agents_see_no_to_teach_view_unless_a_supervisor_allows(stack: Stack,
                                                                      make_agent) -> None:
    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("tickets_billing"))
    try:
        assert (await agent.must("hello"))["teach"] is False
        assert (await agent.call("teach_list"))["error"]["code"] == "forbidden"
    finally:
        await agent.close()


async def test_that_is_not_what_i_asked_rejects_the_answer_before_it(
        stack: Stack, isolated, make_agent) -> None:
    """Typed, not clicked: frustration right after a FAQ answer is a thumbs-down on it (and
    hands over, as frustration does); frustration after anything else is not."""
    url, redis_url = isolated()
    boss = AgentClient(url)
    await boss.connect(*make_agent("general", role="supervisor", redis_url=redis_url))
    visitor, other = Visitor(url), Visitor(url)
    await visitor.connect()
    await other.connect()
    try:
        answer = await visitor.ask(PRICE)
        assert answer["metadata"]["answer"] == {"topic": "pricing"}
        handoff = await visitor.ask("that's not what I asked")
        assert handoff["metadata"]["custom"]["handoff"]["reason"] == "frustrated", handoff
        greeting = await other.ask("hello")
        assert not greeting["metadata"].get("answer")
        await other.ask("this is useless")

        async def listed() -> dict[str, Any] | None:
            found = await boss.must("teach_list")
            return found if PRICE in texts(found) else None

        board = await eventually(listed, 30, what="the rejected answer in To teach")
        price = next(g for g in board["groups"] if g["text"] == PRICE)
        assert price["kinds"] == {"rejected": 1} and price["guesses"] == ["faq_pricing"]
        assert texts(board) == [PRICE]  # "hello" was answered by no FAQ: nothing rejected
    finally:
        for client in (visitor, other, boss):
            await client.close()
