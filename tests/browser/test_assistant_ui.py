"""What the assistant does with off-topic, thanks, frustration, a request for a person and a
question it is unsure about, seen in the real widget (issue #12, items 1 and 2; issue #22):
off-topic is answered honestly and is not a handoff; a request for a person wins over a FAQ
topic; yes/no questions get a yes or a no; unsure, it asks "did you mean" with buttons."""

from __future__ import annotations

import asyncio
import json
import re

from playwright.async_api import expect

from handoff_flow import turns_done
from waiting import eventually
from webui import Console, Widget

PASSING = "passing you to a person"


async def owner(redis, widget: Widget) -> str:
    """Who answers the widget's conversation now, read from Redis (the one source of truth)."""
    return await redis.hget(f"fd:conv:{await widget.session_id()}", "owner") or "bot"


async def owner_becomes(redis, widget: Widget, wanted: str | None = None,
                        timeout: float = 15) -> str:
    """The owner once it is `wanted` (or, without `wanted`, once it is no longer the bot)."""
    loop = asyncio.get_running_loop()
    deadline, now = loop.time() + timeout, ""
    while loop.time() < deadline:
        now = await owner(redis, widget)
        if now == wanted or (wanted is None and now != "bot"):
            return now
        await asyncio.sleep(0.1)
    raise AssertionError(f"owner is {now!r}, not {wanted or 'a person or queue'!r}")


async def handoff_of(redis, widget: Widget) -> dict:
    """Why the bot handed over and what it guessed, as stored for the agent."""
    return json.loads(await redis.hget(f"fd:conv:{await widget.session_id()}", "handoff") or "{}")


async def test_off_topic_is_answered_honestly_not_handed_off(stack, new_context, redis) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    for n, text in enumerate(("What's the weather tonight?", "is there a cloakroom?"), start=1):
        if n == 2:  # two off-topic questions in a row offer a person: start a fresh chat
            await widget.page.evaluate("localStorage.clear()")
            await widget.page.reload()
            await widget.open()
        await widget.say(text)
        answer = widget.rows("bot").last
        await expect(answer).to_contain_text("can't help with that")
        await expect(answer).to_contain_text("tickets")  # says what it can help with
        await expect(widget.person_button).to_be_visible()
        assert PASSING not in (await widget.q(".log").inner_text())
        assert await owner(redis, widget) == "bot"

    # Off-topic again in a row: a person is offered in so many words, and asked, not handed over;
    # a yes hands over.
    await widget.say("what's the weather like in Paris tomorrow?")
    await expect(widget.rows("bot").last).to_contain_text("Would you like to talk to someone")
    assert PASSING not in (await widget.q(".log").inner_text())
    assert await owner(redis, widget) == "bot"
    await widget.say("yes please")
    await owner_becomes(redis, widget)
    assert not widget.errors


async def test_thanks_after_a_closed_chat_is_not_a_handoff(stack, new_context, make_agent, redis) -> None:
    name, password = make_agent()
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    conversation_id = await widget.hand_over()
    chat = await console.claim(conversation_id)
    await console.reply(conversation_id, "Your tickets are on their way.")
    await chat.get_by_role("button", name="Close chat").click()
    await expect(widget.button("Great")).to_be_visible()
    await owner_becomes(redis, widget, "closed")

    before = await widget.rows().count()
    await widget.say("Great, thanks 👍")
    await expect(widget.rows("bot").last).to_contain_text("welcome", timeout=15_000)
    # Every message has had its turn: a handoff would have moved the conversation by now.
    conversation_id = await widget.session_id()
    await eventually(lambda: turns_done(redis, conversation_id), timeout=15, what="turns done")
    since = await widget.rows().all_inner_texts()
    assert len(since) >= before + 2 and not any(PASSING in row for row in since[before:]), since
    assert await owner(redis, widget) == "bot"
    assert not widget.errors


async def test_a_request_for_a_person_wins_over_the_topic(stack, new_context, redis,
                                                          faq_answers) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("I need to speak to someone about a refund")
    # A handoff, straight to the topic's department (no need to choose one), not the refund answer
    await owner_becomes(redis, widget, "queue")
    handoff = await handoff_of(redis, widget)  # what the bot asked for (routing may fall back)
    assert handoff["reason"] == "requested" and handoff["department"] == "tickets_billing"
    await expect(widget.rows("bot").or_(widget.rows("system")).last).to_be_visible()
    assert faq_answers["refunds"][0][:40] not in await widget.q(".log").inner_text()


async def test_frustration_hands_off(stack, new_context, redis) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("this is useless")
    # No topic named: which department? Unless nobody at all is online on the shared stack: then
    # the chat waits in General, and the visitor is told that once (test_nobody_online_ui.py).
    assert await owner_becomes(redis, widget) in ("triage", "queue")
    await expect(widget.q(".log")).to_contain_text(
        re.compile(r"pass(ing)? you to a person|Nobody from our team is online right now"))
    assert (await handoff_of(redis, widget))["reason"] == "frustrated"


async def test_yes_no_questions_get_a_yes_or_a_no(stack, new_context) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("can I pay with paypal?")
    await expect(widget.rows("bot").last).to_contain_text("don't accept PayPal")
    await widget.say("can I bring my guide dog?")
    await expect(widget.rows("bot").last).to_contain_text("guide dogs included, are very welcome")


async def test_did_you_mean_in_the_widget(stack, new_context, redis, faq_answers) -> None:
    """Unsure between topics, the bot asks with the topics as buttons and a person; a click shows
    the topic's name as the visitor's message (never its payload) and answers it at once."""
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("handling fee")
    asked = widget.rows("bot").last
    await expect(asked).to_contain_text("Do you mean one of these?")
    chips = widget.q(".replies button:visible")
    payloads = [await chip.get_attribute("data-payload") for chip in await chips.all()]
    assert payloads[-1] == "/human_handoff" and 2 <= len(payloads) <= 4, payloads
    assert all(p.startswith("/faq_") for p in payloads[:-1]), payloads
    topic = payloads[0][len("/faq_"):]
    title = await chips.first.inner_text()
    await chips.first.click()
    await expect(widget.rows("visitor").last).to_contain_text(title)
    await expect(widget.rows("bot").last).to_contain_text(faq_answers[topic][0][:40])
    assert "/faq_" not in await widget.q(".log").inner_text()
    assert await owner(redis, widget) == "bot"
    assert not widget.errors
