"""The thumbs-down in the widget and the console's To-teach view in Chromium: a visitor rejects
an answer, the supervisor sees the question with the bot's guess and teaches it in one click."""

from __future__ import annotations

import redis.asyncio as aioredis
from playwright.async_api import expect

from stack import Stack
from webui import Console, Widget

QUESTION = "how much are tickets?"


async def test_a_rejected_answer_is_taught_in_one_click(stack: Stack, isolated, new_context,
                                                         make_agent) -> None:
    url, redis_url = isolated()
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.say(QUESTION)
    answer = widget.rows("bot").filter(has_text="£").last
    await expect(answer).to_be_visible()
    thumbs = answer.get_by_role("button", name="Not what I asked")
    await expect(thumbs).to_have_count(1)  # one per answer
    await thumbs.click()
    await expect(thumbs).to_have_attribute("aria-pressed", "true")
    await expect(thumbs).to_be_disabled()
    await widget.screenshot("widget-thumbs-down.png")

    name, password = make_agent("general", role="supervisor", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    tab = console.page.get_by_role("button", name="To teach")
    await expect(tab).to_be_visible()  # a supervisor's (hidden for agents by default)
    await tab.click()
    card = console.page.locator("article.teach").filter(has_text=QUESTION)
    await expect(card).to_contain_text("1 answer rejected")
    await expect(card).to_contain_text("The bot guessed: Pricing")
    await expect(card.get_by_role("combobox")).to_have_value("faq_pricing")  # its guess first
    await console.screenshot("console-to-teach.png")
    await card.get_by_role("button", name="Out of scope").click()
    await expect(card).to_have_count(0)
    await expect(console.page.locator("#announcer")).to_contain_text("is out of scope")

    store = aioredis.from_url(redis_url, decode_responses=True)
    try:
        assert '"intent":"out_of_scope"' in (await store.hget("fd:learned", QUESTION) or "")
    finally:
        await store.aclose()


async def test_an_agent_teaches_the_first_message_of_a_chat(stack: Stack, isolated, new_context,
                                                           make_agent) -> None:
    """The chat view's "Teach the bot the first message": the visitor's first question, as
    the agent who served them labels it (no To-teach view needed: an agent by default)."""
    url, redis_url = isolated()
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    first = "my seat was double booked with another family"
    answered = await widget.rows("bot").count()
    await widget.say(first)
    # the bot's reply first: its buttons replace the greeting's "Talk to a person" as it comes
    await expect(widget.rows("bot").nth(answered)).to_be_visible()
    conversation_id = await widget.hand_over()
    console = await Console.login(await new_context(), url,
                                  *make_agent("tickets_billing", redis_url=redis_url))
    await expect(console.page.get_by_role("button", name="To teach")).to_be_hidden()
    chat = await console.claim(conversation_id)
    control = chat.locator("details.teach-first")
    await control.locator("summary").click()
    await control.get_by_role("combobox").select_option("faq_refunds")
    await control.get_by_role("button", name="Teach").click()
    await expect(control.get_by_role("status")).to_have_text(f"Taught: “{first}” is Refunds.")

    store = aioredis.from_url(redis_url, decode_responses=True)
    try:
        learned = await store.hget("fd:learned", first) or ""
    finally:
        await store.aclose()
    assert '"intent":"faq_refunds"' in learned, learned
