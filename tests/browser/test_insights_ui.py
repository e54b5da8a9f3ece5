"""Insights in the console: the "Waited" figure of a chat is the wait until its first pick-up."""

from __future__ import annotations

import asyncio
import re
import time

from playwright.async_api import Locator, expect

from webui import Console, Widget


def waited(chat: Locator) -> Locator:
    """The "Waited" value in a chat's visitor details."""
    return chat.locator("xpath=.//aside[contains(@class,'details')]//dt[normalize-space()='Waited']"
                        "/following-sibling::dd[1]")


def seconds(shown: str) -> int:
    minutes, secs = shown.split(":")
    return int(minutes) * 60 + int(secs)


async def test_waited_is_the_wait_until_pick_up_and_does_not_grow(stack, new_context,
                                                                  make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Alex")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    asked = time.monotonic()
    conversation_id = await widget.hand_over()
    item = console.queue_item(conversation_id)
    await expect(item.locator(".waited")).to_have_text(re.compile(r"^0:0[3-9]$"), timeout=15_000)
    chat = await console.claim(conversation_id)
    figure = waited(chat)
    await expect(figure).to_have_text(re.compile(r"^0:\d\d$"))
    shown = await figure.inner_text()
    # at least what the queue showed, at most the time since the visitor asked (measured here)
    assert 3 <= seconds(shown) <= time.monotonic() - asked + 1, shown

    await asyncio.sleep(3)  # the agent works on; the figure stays the wait until pick-up
    await console.reply(conversation_id, "Hello, Alex here.")
    await expect(figure).to_have_text(shown)
    await console.page.reload()  # opened again: the server says the same
    chat = console.chat(conversation_id)
    await expect(chat.locator(".state")).to_have_text("Yours")
    await expect(waited(chat)).to_have_text(shown)
    await console.screenshot("console-waited.png")
    assert not widget.errors and not console.errors
