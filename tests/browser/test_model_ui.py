"""The Assistant view of the console: supervisors see the model every Rasa worker runs, why the
gate held a training back (the figure, the sentences, the taught examples), and roll back."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import expect

from bot.model_server import model_files

from webui import Console

GATE = {"passed": False, "fell": [{"figure": "oos_safe", "live": 1.0, "new": 0.8}],
        "lost": [{"text": "what is the capital of australia", "label": "out_of_domain",
                  "live": "handoff", "new": "faq:refunds"}],
        "causes": [{"text": "who wrote hamlet", "intent": "faq_refunds"}],
        "live": {"oos_safe": 1.0, "wrong_topic": 0.0}, "new": {"oos_safe": 0.8, "wrong_topic": 0.0}}


async def test_a_supervisor_sees_why_a_model_was_held_back_and_rolls_back(
        stack, new_context, make_agent, redis) -> None:
    newest = model_files(Path("models") / stack.env["SITE"])[0].name
    # A model was promoted before the newest (its file is not here: every worker keeps the
    # newest, so this test changes nothing the other tests' Rasa runs).
    await redis.hset("fd:model:live", mapping={"name": newest, "previous": "older.tar.gz",
                                               "by": "trainer", "promoted_at": "1"})
    await redis.hset("fd:trainer", mapping={"state": "held_back", "examples": "12",
                                            "gate": json.dumps(GATE), "finished_at": "1"})
    try:
        agent = await Console.login(await new_context(), stack.bridge_url,
                                    *make_agent("general"))
        await expect(agent.page.locator("#model-tab")).to_be_hidden()
        boss = await Console.login(await new_context(), stack.bridge_url,
                                   *make_agent("general", role="supervisor"))
        page = boss.page
        await page.locator("#model-tab").click()
        state = page.locator("#model-state")
        await expect(state).to_contain_text(f"In use on every assistant worker: {newest}")
        await expect(state).to_contain_text("held back by the gate")
        await expect(state.locator("tr.fell")).to_contain_text("Out-of-scope questions kept safe")
        await expect(state).to_contain_text("“who wrote hamlet” taught as faq_refunds")
        back = page.get_by_role("button", name="Roll back to the previous model")
        await back.click()
        await expect(state).to_contain_text(f"Before it: {newest}")
        assert (await redis.hgetall("fd:model:live"))["name"] == "older.tar.gz"
        await back.click()  # a second roll-back undoes the first
        await expect(state).to_contain_text("Before it: older.tar.gz")
        assert (await redis.hgetall("fd:model:live"))["name"] == newest
        await expect(page.locator("#model-error")).to_be_empty()
        assert not boss.errors and not agent.errors
    finally:
        await redis.delete("fd:model:live", "fd:trainer")
