"""The agent console and the widget together: handoff, claim, reply, typing, close, rating."""

from __future__ import annotations

import re

from playwright.async_api import expect

from webui import Console, Widget

ATTACK = "<img src=x onerror=alert(1)>"
AGENT_ATTACK = "<img src=x onerror=alert(2)><script>alert(3)</script>"


def chart(insights, title: str):
    """The Insights figure whose heading starts with `title`."""
    heading = insights.page.get_by_role("heading", name=re.compile("^" + re.escape(title)))
    return insights.locator("figure.chart", has=heading)


async def test_handoff_claim_and_reply(stack, new_context, make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Alex")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    page = console.page

    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("are you real?")
    await expect(widget.button("Talk to a person")).to_be_visible()
    conversation_id = await widget.hand_over(via=widget.button("Talk to a person"))
    await expect(widget.q(".queue")).to_have_text(
        re.compile(r"You're (next|number \d+ in the queue) · about \d+ min"))
    await expect(widget.q(".subtitle")).to_have_text("Waiting for a person…")

    item = console.queue_item(conversation_id)
    await expect(item).to_contain_text("Asked for a person")
    await expect(item).to_contain_text("Tickets & billing")
    await expect(item).to_contain_text("top intent")
    await expect(page).to_have_title(re.compile(r"^\(\d+\) New chat — Frontdesk$"))

    chat = await console.claim(conversation_id)
    await expect(widget.rows("system").last).to_have_text("Notice: Alex joined the chat.")
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Alex")
    await expect(chat.locator(".msg.bot").first).to_contain_text("BOT")  # the bot's turns, marked
    await expect(chat.locator(".details")).to_contain_text("Chrome")
    await expect(chat.locator(".details")).to_contain_text("Asked for a person")

    # typing, both ways
    await chat.locator("form.reply textarea").fill("Hi")
    await expect(widget.q(".typing")).to_contain_text("Alex is typing")
    await widget.input.fill("I")
    await expect(chat.locator(".typing")).to_have_text("The visitor is typing…")

    await console.reply(conversation_id, "Hello, I'm Alex from the box office. How can I help?")
    agent_row = widget.rows("agent").last
    await expect(agent_row).to_contain_text("Hello, I'm Alex from the box office.")
    await expect(agent_row.locator(".who")).to_have_text("AAlex")  # avatar initial + name
    await widget.say("I need to change my booking")
    await expect(chat.locator(".msg.visitor").last).to_contain_text("I need to change my booking")

    # an internal note is shown to agents, never to the visitor
    await chat.get_by_label("Internal note (agents only)").check()
    await chat.locator("form.reply textarea").fill("Regular customer, be nice")
    await chat.locator("form.reply textarea").press("Enter")
    await expect(chat.locator(".msg.note")).to_contain_text("Regular customer, be nice")
    await chat.get_by_label("Internal note (agents only)").uncheck()
    await console.screenshot("console-chat.png")

    # Insights come from /api/insights (Redis): this handoff is counted, whichever process served it
    await page.get_by_role("button", name="Insights").click()
    insights = page.locator("#insights")
    containment = insights.locator(".kpi", has_text="Answered by the bot alone").locator(".value")
    await expect(containment).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    await expect(chart(insights, "Containment over time").locator("circle.dot").first).to_be_visible()
    handoffs = chart(insights, "Handoffs by reason")
    await expect(handoffs.locator("svg text", has_text=re.compile(r"^Asked for a person$"))).to_be_visible()
    await expect(handoffs.locator("rect.bar").first).to_be_visible()
    await expect(chart(insights, "Queue wait").locator("rect.bar").first).to_be_visible()
    await expect(insights).not_to_contain_text("could not be loaded")
    await console.screenshot("console-insights.png", full_page=True)
    await page.get_by_role("button", name="Chats").click()

    await chat.get_by_role("button", name="Close chat").click()
    await expect(widget.button("Great")).to_be_visible()
    await widget.button("Great").click()
    await expect(widget.rows("system").last).to_contain_text("Thank you for your feedback")
    assert "Regular customer" not in await widget.q(".log").inner_text()
    assert not widget.errors and not console.errors


async def test_markup_is_shown_as_text(stack, new_context, make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Jo")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say(ATTACK)
    await expect(widget.q(".row.bot, .row.system")).not_to_have_count(0)  # whatever the bot made of it
    conversation_id = await widget.hand_over()

    await expect(console.queue_item(conversation_id)).to_be_visible()
    chat = await console.claim(conversation_id)
    await expect(chat.locator(".msg.visitor .body").first).to_have_text(ATTACK)
    await console.reply(conversation_id, AGENT_ATTACK)
    await expect(widget.rows("agent").last.locator(".bubble")).to_have_text("Jo: " + AGENT_ATTACK)
    await expect(widget.rows("visitor").first.locator(".bubble")).to_have_text(ATTACK)

    await widget.page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert widget.dialogs == [] and console.dialogs == []
    assert await widget.page.evaluate(
        "document.querySelector('#frontdesk-widget').shadowRoot.querySelectorAll('img, script').length"
    ) == 0
    assert await console.page.locator("#chat-pane img, #chat-pane script, #queues img").count() == 0

    # and it survives a reload (history replay renders the same way)
    await widget.page.reload()
    await expect(widget.rows("agent").last.locator(".bubble")).to_have_text("Jo: " + AGENT_ATTACK)
    assert widget.dialogs == []


async def test_transfer_list_shows_who_is_online_per_department(isolated, new_context,
                                                                make_agent) -> None:
    from clients import AgentClient

    url, redis_url = isolated(AUTO_ASSIGN="false")
    name, password = make_agent("tickets_billing", display_name="Ari", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    sam = AgentClient(url)  # online in General
    await sam.connect(*make_agent("general", display_name="Sam", redis_url=redis_url))
    await sam.must("presence", {"status": "online"})
    try:
        widget = await Widget.load(await new_context(), url)
        await widget.open()
        conversation_id = await widget.hand_over()
        chat = await console.claim(conversation_id)
        await chat.get_by_role("button", name="Transfer…").click()
        options = chat.locator("select option")
        await expect(options.filter(has_text="General — 1 online")).to_have_count(1)
        await expect(options.filter(has_text="Website & technical — nobody online")).to_have_count(1)
        await expect(options.filter(has_text="Sam")).to_contain_text("online")
    finally:
        await sam.close()
