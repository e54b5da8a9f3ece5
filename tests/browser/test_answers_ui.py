"""Answers edited live, in Chromium: a supervisor edits a topic's answer in the console (with a
web link and buttons), the widget shows the link as a link and the buttons; history and revert;
a `javascript:` link in a stored answer is never a link."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from playwright.async_api import expect

from webui import Console, Widget

BOOK = "https://tickets.example.org/book"


@pytest.fixture
async def pricing_kept(redis: aioredis.Redis) -> AsyncIterator[None]:
    yield
    await redis.delete("fd:answer:pricing", "fd:answer_history:pricing")


async def test_edit_an_answer_with_a_link_and_buttons_then_revert(
        stack, new_context, make_agent, faq_answers, pricing_kept: None) -> None:
    console = await Console.login(await new_context(), stack.bridge_url,
                                  *make_agent("general", role="supervisor"))
    page = console.page
    await page.get_by_role("button", name="Answers").click()
    await page.select_option("#answers-topic", "pricing")
    await expect(page.locator("#answers-state")).to_have_text("The bot says the pack's answer.")
    await page.fill("#answer-text", f"Every seat is £20. [Book online]({BOOK}) today.")
    await page.fill("#answer-buttons", f"Book now | {BOOK}\nRefunds | refunds")
    await page.get_by_role("button", name="Save answer").click()
    history = page.locator("#answers-history li")
    await expect(history).to_have_count(1)
    await expect(history.first).to_contain_text("Before: the pack's answer")
    await expect(history.first).to_contain_text("After: Every seat is £20.")

    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("how much are tickets")
    answer = widget.rows("bot").last
    link = answer.locator(".bubble a")
    await expect(link).to_have_text("Book online")
    await expect(link).to_have_attribute("href", BOOK)
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(answer.locator(".bubble")).to_contain_text("Every seat is £20. Book online today.")
    await expect(answer.locator(".replies a.chip")).to_have_attribute("href", BOOK)
    await expect(answer.locator(".replies button")).to_have_text("Refunds")

    await history.first.get_by_role("button", name="Revert").click()
    await expect(history).to_have_count(2)
    await expect(page.locator("#answers-state")).to_have_text("The bot says the pack's answer.")
    await expect(page.locator("#answer-text")).to_have_value(faq_answers["pricing"][0])
    assert console.errors == [] and widget.errors == []


async def test_a_javascript_link_in_an_answer_is_never_a_link(
        stack, new_context, redis: aioredis.Redis, pricing_kept: None) -> None:
    # Stored past the editor (which refuses it), as a bad write or an old bridge might.
    text = "Careful: [evil](javascript:alert(1)) or [EVIL](JAVASCRIPT:alert(2)), [good](https://x.example/a)"
    await redis.set("fd:answer:pricing", json.dumps({"text": text}))
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("how much are tickets")
    bubble = widget.rows("bot").last.locator(".bubble")
    await expect(bubble).to_contain_text("Careful: evil or EVIL, good")
    await expect(bubble.locator("a")).to_have_count(1)
    await expect(bubble.locator("a")).to_have_attribute("href", "https://x.example/a")
    assert await widget.page.locator("a[href^='javascript' i]").count() == 0
    assert widget.dialogs == []


async def test_rasa_webchat_shows_the_edited_answer_with_its_link_and_link_button(
        stack, new_context, redis: aioredis.Redis, pricing_kept: None) -> None:
    await redis.set("fd:answer:pricing", json.dumps({
        "text": f"Every seat is £20. [Book online]({BOOK}).",
        "buttons": [{"title": "Book now", "url": BOOK}, {"title": "Refunds", "topic": "refunds"}]}))
    page = await (await new_context()).new_page()
    await page.goto(stack.bridge_url + "/webchat")
    await page.locator(".rw-launcher").click()
    await page.locator(".rw-new-message").fill("how much are tickets")
    await page.locator(".rw-new-message").press("Enter")
    answer = page.locator(".rw-response", has_text="Every seat is £20.")
    await expect(answer.locator(f"a[href='{BOOK}']")).to_have_text("Book online")
    await expect(page.locator(f"a.rw-reply[href='{BOOK}']")).to_have_text("Book now")
    await expect(page.locator("div.rw-reply", has_text="Refunds")).to_be_visible()
