"""What a visitor notices in the widget (issue 12): greeting and business hours, timestamps,
the launcher that closes, no zoom or keyboard surprises on phones, unread count and a blinking
title for a person's message, one "Talk to a person", dark mode."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from clients import AgentClient
from webui import PHONE, Widget


async def test_greeting_says_when_people_are_back(isolated, new_context) -> None:
    url, _ = isolated(BUSINESS_HOURS="Mon 00:00-00:01", BUSINESS_TIMEZONE="UTC")
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    greeting = widget.q(".row.greeting")
    await expect(greeting).to_contain_text("virtual assistant")
    await expect(greeting).to_contain_text("Nobody from our team is here right now; we're back "
                                           "Monday 00:00 UTC")
    await widget.say("hello")
    await expect(widget.rows("bot")).to_have_count(1)
    await expect(widget.q(".row.visitor time.ts")).to_be_visible()  # times shown, not on hover
    await expect(widget.q(".row.bot time.ts")).to_be_visible()
    await widget.page.reload()
    await expect(widget.q(".row.greeting")).to_have_count(1)  # kept in place, not repeated
    assert (await widget.q(".row .bubble").all_inner_texts())[0].endswith("00:00 UTC. You can still "
                                                                          "leave a message.")


async def test_launcher_closes_and_phones_neither_zoom_nor_pop_the_keyboard(stack, new_context):
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await expect(widget.launcher).to_have_attribute("aria-label", "Close chat: Chat with the box office")
    await expect(widget.q(".launch .i-close")).to_have_count(1)
    await widget.launcher.click()
    await expect(widget.panel).to_be_hidden()
    await expect(widget.q(".launch .i-chat")).to_have_count(1)
    size = await widget.input.evaluate("e => getComputedStyle(e).fontSize")
    assert size == "16px"  # iOS zooms into inputs under 16 px

    phone = await Widget.load(await new_context(viewport=PHONE, is_mobile=True, has_touch=True),
                              stack.bridge_url)
    await phone.open()
    focused = await phone.page.evaluate(
        "() => document.getElementById('frontdesk-widget').shadowRoot.activeElement?.tagName || ''")
    assert focused != "TEXTAREA"  # no keyboard popping up over the page on open


async def test_a_persons_message_shows_unread_and_blinks_the_title(stack, new_context,
                                                                   make_agent) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    conversation_id = await widget.hand_over("General")
    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("general", display_name="Kai"))
    try:
        await agent.must("claim", {"conversation_id": conversation_id})
        await expect(widget.q(".subtitle")).to_have_text("Chatting with Kai")
        await widget.launcher.click()  # closed
        title = await widget.page.title()
        await agent.must("reply", {"conversation_id": conversation_id, "text": "Are you there?"})
        await expect(widget.rows("agent")).to_have_count(1)
        await expect(widget.q(".badge")).to_have_text("1")
        titles = set()
        for _ in range(30):
            titles.add(await widget.page.title())
            await asyncio.sleep(0.1)
        assert "(1) New message" in titles and title in titles
        await widget.open()
        await expect(widget.q(".badge")).to_be_hidden()
        await asyncio.sleep(1.2)
        assert await widget.page.title() == title  # stops when seen
    finally:
        await agent.close()


async def test_dark_mode(stack, new_context, make_agent) -> None:
    widget = await Widget.load(await new_context(color_scheme="dark"), stack.bridge_url)
    await widget.open()
    await widget.say("what are your opening hours?")
    await expect(widget.rows("bot")).to_have_count(1)
    background = await widget.panel.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(29, 31, 35)"
    await widget.screenshot("widget-dark.png")
    phone = await Widget.load(await new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                                color_scheme="dark"), stack.bridge_url)
    await phone.open()
    await phone.say("are you a bot?")
    await expect(phone.rows("bot")).to_have_count(1)
    await phone.screenshot("widget-mobile-dark.png")
