"""Seen receipts in the browser: the agent sees "Seen" under their reply once the visitor's
open widget showed it; the visitor sees "Seen" under their message once the agent's tab showed
it. Another visitor's widget shows nothing of it."""

from __future__ import annotations

import re

from playwright.async_api import expect

from webui import Console, Widget


async def test_each_side_sees_what_the_other_read(stack, new_context, make_agent) -> None:
    console = await Console.login(await new_context(), stack.bridge_url,
                                  *make_agent("tickets_billing", display_name="Robin"))
    widget = await Widget.load(await new_context(), stack.bridge_url)
    other = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    chat = await console.claim(await widget.hand_over())
    await other.open()
    await other.say("hello too")
    # The bot's answer first: its "Talk to a person" replaces the footer's as it arrives.
    await expect(other.rows().last).to_have_class(re.compile(r"\bbot\b"))
    await other.hand_over()

    # The widget is open: the agent's reply is read at once; the console says so.
    await console.reply(await widget.session_id(), "Hi, Robin here. How can I help?")
    reply = chat.locator(".msg.agent").last
    await expect(reply.locator(".seen")).to_have_text("Seen")

    # The visitor writes; the agent's tab is open on the chat: the widget says "Seen" under it.
    await widget.say("My tickets never arrived.")
    mine = widget.rows("visitor").last
    await expect(mine.locator(".seen")).to_have_text("Seen")
    await expect(widget.q(".seen")).to_have_count(1)  # one mark, under the latest read
    await widget.screenshot("widget-seen.png")

    # Closed panel: a new reply is not read, and "Seen" stays under the earlier one.
    await widget.q(".head button[aria-label='Close chat']").click()
    await console.reply(await widget.session_id(), "Could you give me your order number?")
    await expect(widget.q(".badge")).to_have_text("1")
    rows = chat.locator(".msg.agent")
    await expect(rows.last.locator(".seen")).to_have_count(0)
    await expect(rows.nth(-2).locator(".seen")).to_have_count(1)
    await widget.open()
    await expect(rows.last.locator(".seen")).to_have_text("Seen")
    await expect(chat.locator(".seen")).to_have_count(1)
    await expect(other.q(".seen")).to_have_count(0)
    assert not widget.errors and not console.errors and not other.errors
