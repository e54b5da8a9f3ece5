"""The visitor's side of the widget (issue 24, items 4, 6 and 7), in Chromium: the wait estimate
counts down and never contradicts "this is taking longer than it should", with one "Leave a
message" on screen at a time; before a handoff, how soon a person usually replies (measured);
two tabs of one visitor show every message; once a person joins, no "Leave a message" is left
to click (the bridge's side of these rules: tests/test_visitor_side.py).

Each test has a bridge of its own (its own Redis database), as in test_widget_status.py."""

from __future__ import annotations

import redis.asyncio as aioredis
from playwright.async_api import expect

from webui import Console, Widget

LEAVE = "button:text-is('Leave a message'):visible"


async def test_the_wait_counts_down_then_says_sorry_with_one_offer(isolated, new_context,
                                                                   make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false", AVG_HANDLE_SECONDS="75", MAX_QUEUE_WAIT="30")
    name, password = make_agent("tickets_billing", display_name="Noor", redis_url=redis_url)
    await Console.login(await new_context(), url, name, password)  # online, picks nothing up
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.hand_over("Tickets & billing")
    status = widget.q(".queue")
    await expect(status).to_have_text("You're next · about 2 min")  # 75 s, in whole minutes up
    await expect(status).to_have_text("You're next · about 1 min", timeout=45_000)  # 15 s later
    offer = widget.rows("system").filter(has_text="taking longer than it should")
    await expect(offer).to_be_visible(timeout=45_000)  # MAX_QUEUE_WAIT
    await expect(status).to_have_text("You're next · sorry for the wait")
    await expect(widget.q(LEAVE)).to_have_count(1)  # the offer's button, not the footer's too
    await expect(offer.locator(LEAVE)).to_have_count(1)
    await widget.screenshot("widget-wait-late.png")
    assert not widget.errors


async def test_before_the_handoff_the_usual_reply_time_is_shown(isolated, new_context) -> None:
    url, redis_url = isolated()
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:  # three first responses measured (seconds from handoff to an agent's first reply)
        await client.lpush("fd:samples:first_response", "200.0", "260.5", "230.0")
    finally:
        await client.aclose()
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await expect(widget.q(".subtitle")).to_have_text(
        "Virtual assistant · a person usually replies in 4 min")
    await widget.hand_over("Tickets & billing")
    await expect(widget.q(".subtitle")).to_have_text("Waiting for a person…")
    assert not widget.errors


async def test_two_tabs_of_one_visitor_show_every_message(stack, new_context) -> None:
    context = await new_context()
    tab_a = await Widget.load(context, stack.bridge_url)
    await tab_a.open()
    await tab_a.say("hello from tab A")
    await expect(tab_a.rows("bot")).not_to_have_count(0)
    tab_b = await Widget.load(context, stack.bridge_url)  # same storage: the same conversation
    await tab_b.open()
    await expect(tab_b.rows("visitor").filter(has_text="hello from tab A")).to_have_count(1)
    await tab_b.say("and hello from tab B")
    for tab in (tab_a, tab_b):  # each shows it once: tab B dedupes its own by id
        await expect(tab.rows("visitor").filter(has_text="and hello from tab B")).to_have_count(1)
        await expect(tab.rows("visitor").filter(has_text="hello from tab A")).to_have_count(1)
    await tab_a.say("back in tab A")
    await expect(tab_b.rows("visitor").filter(has_text="back in tab A")).to_have_count(1)
    await expect(tab_a.rows("visitor").filter(has_text="back in tab A")).to_have_count(1)
    await expect(tab_a.q(".row.visitor.pending")).to_have_count(0)
    assert not tab_a.errors and not tab_b.errors


async def test_no_leave_a_message_once_a_person_joined(isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    conversation_id = await widget.hand_over("Tickets & billing")
    offer = widget.rows("system").filter(has_text="Nobody from our team is online")
    await expect(offer.locator(LEAVE)).to_have_count(1)

    name, password = make_agent("tickets_billing", display_name="Noor", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    await console.claim(conversation_id)
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Noor")
    await expect(widget.q(LEAVE)).to_have_count(0)  # the stale offer has no button left
    await expect(widget.q("form.leave")).to_be_hidden()
    await widget.page.reload()  # replayed, the old offer has none either
    await widget.open()
    await expect(widget.rows("system").filter(has_text="Noor joined")).to_be_visible()
    await expect(widget.q(".subtitle")).to_contain_text("Chatting with")
    await expect(widget.q(LEAVE)).to_have_count(0)
    # a client that sends it anyway is refused, and nothing is kept or shown broken
    await widget.page.evaluate("""() => Frontdesk.socket.emit("leave_message",
        {name: "Kim", email: "kim@example.org", text: "hello"})""")
    await console.reply(conversation_id, "Hi, Noor here.")
    await expect(widget.rows("agent").last).to_contain_text("Noor here")
    await expect(widget.q("div.error")).to_have_text("")
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        assert [k async for k in client.scan_iter("fd:ticket:*")] == []
    finally:
        await client.aclose()
    assert not widget.errors
