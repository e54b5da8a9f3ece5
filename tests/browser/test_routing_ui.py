"""Routing to whoever is free, seen by the visitor and the agent (issue 12, item 3): a chat for a
department with nobody there goes to a free agent of General, the bot says so truthfully, and
the agent finds it in the console; with nobody at all it is never "passing you to a person".
A bridge of its own (its own Redis database): on the shared one, agents of other tests may
still be online."""

from __future__ import annotations

import re

from playwright.async_api import expect

from webui import Console, Widget


async def test_a_chat_for_an_empty_department_goes_to_a_free_agent(isolated, new_context,
                                                                   make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    nobody = await Widget.load(await new_context(), url)  # nobody online at all
    await nobody.open()
    await nobody.person_button.click()
    await expect(nobody.q(".log")).to_contain_text("Nobody from our team is online right now")
    await expect(nobody.q(".log")).not_to_contain_text(re.compile("passing you to a person"))

    name, password = make_agent("general", display_name="Gwen", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    conversation_id = await widget.hand_over("Website & technical")
    await expect(widget.q(".log")).to_contain_text("passing you to a person")
    routed = "Nobody from Website & technical is free right now, so someone from General will help you."
    await expect(widget.rows("system").filter(has_text=routed)).to_be_visible()
    # behind the first visitor, who was told nobody was online and kept waiting in General
    await expect(widget.q(".queue")).to_contain_text(
        re.compile(r"You're number 2 in the queue · about \d+ min"))
    chat = await console.claim(conversation_id)
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Gwen")
    await expect(chat.locator(".msg.system").last).to_be_visible()
    assert not widget.errors and not nobody.errors and not console.errors
