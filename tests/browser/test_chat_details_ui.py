"""Small things a visitor or an agent sees (issue 24, item 9): the agent's name in the widget's
header after a reload, the time of the agent's own reply at once, the reasons of handoffs in
Insights in words, the transcript form filled in with the address a message was left with, and
a clicked button shown by its title, not its payload, in a ticket's transcript."""

from __future__ import annotations

import re

from playwright.async_api import expect

from webui import Console, Widget

TIME = re.compile(r"· \d{1,2}:\d{2}")


async def test_the_agent_is_named_after_a_reload_and_their_reply_has_its_time_at_once(
        stack, new_context, make_agent) -> None:
    name, password = make_agent("tickets_billing", display_name="Ari")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    conversation_id = await widget.hand_over()
    chat = await console.claim(conversation_id)
    await console.reply(conversation_id, "Hello, Ari here: let me look at your order.")
    mine = chat.locator(".msg.agent").last
    await expect(mine).not_to_have_class(re.compile(r"\bpending\b"))
    await expect(mine.locator(".who")).to_have_text(re.compile(r"^Ari " + TIME.pattern))
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Ari")

    await widget.page.reload()
    await widget.open()
    await expect(widget.rows("agent").last).to_contain_text("let me look at your order")
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Ari")

    boss = await Console.login(await new_context(), stack.bridge_url,
                               *make_agent("general", role="supervisor", display_name="Kim"))
    await boss.page.locator("[data-view=insights]").click()
    reasons = boss.page.locator("figure.chart", has_text="Handoffs by reason").locator("svg")
    await expect(reasons).to_have_attribute("aria-label", re.compile(r"Asked for a person \d"))
    label = await reasons.get_attribute("aria-label") or ""
    assert not re.search(r"\b(requested|low_confidence|out_of_scope)\b", label), label
    assert not widget.errors and not console.errors and not boss.errors


async def test_a_left_message_fills_the_transcript_form_and_its_ticket_shows_button_titles(
        isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")  # nobody online
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.hand_over("Tickets & billing")
    await widget.button("Leave a message").click()  # the offer's (the footer's hides beside it)
    form = widget.q("form.leave")
    await form.locator("#fd-l-name").fill("Kim")
    await form.locator("#fd-l-email").fill("kim@example.org")
    await form.locator("#fd-l-text").fill("My tickets for Friday never came.")
    await form.get_by_role("button", name="Send message").click()
    await expect(widget.q(".log")).to_contain_text("We'll reply to kim@example.org")
    copy = widget.q("#fd-t-email")
    await expect(copy).to_be_visible()
    await expect(copy).to_have_value("kim@example.org")
    await widget.page.reload()  # the history says it again
    await widget.open()
    await expect(widget.q("#fd-t-email")).to_have_value("kim@example.org")

    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    await console.page.locator("[data-view=tickets]").click()
    card = console.page.locator("article.ticket").first
    await expect(card).to_contain_text("My tickets for Friday never came.")
    await card.locator("summary").click()
    lines = card.locator(".transcript-mini")
    await expect(lines).to_contain_text("visitor: Clicked “Talk to a person”")
    await expect(lines).not_to_contain_text("/human_handoff")
    assert not widget.errors and not console.errors


async def test_outside_hours_the_visitor_is_told_when_people_are_back_not_to_keep_waiting(
        isolated, new_context) -> None:
    url, _ = isolated(BUSINESS_HOURS="Mon 00:00-00:01", BUSINESS_TIMEZONE="Europe/London")
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.hand_over("Tickets & billing")
    back = re.compile(r"Monday 00:00 (GMT|BST)")
    offer = widget.rows("system").filter(has_text="outside our opening hours")
    await expect(offer).to_contain_text(back)
    await expect(offer).not_to_contain_text("keep waiting")
    status = widget.q(".queue")
    await expect(status).to_contain_text(re.compile(r"We're closed until Monday 00:00 (GMT|BST)"))
    await expect(widget.panel).not_to_contain_text("keep waiting")
    assert not widget.errors
