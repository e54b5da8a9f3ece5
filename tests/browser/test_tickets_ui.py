"""Answering a left message from the console: a clear error while the mail server cannot be
reached (the ticket stays unanswered), then the email, with Date and Message-ID."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import Locator, expect

from handoff_flow import leave_message
from stack import Stack, free_port
from webui import Console


async def ticket_card(console: Console, ticket_id: str) -> Locator:
    await console.page.locator("[data-view=tickets]").click()
    card = console.page.locator(f"article.ticket[data-ticket='{ticket_id}']")
    await expect(card).to_be_visible()
    return card


async def send_reply(card: Locator, text: str) -> None:
    await card.locator("textarea").fill(text)
    await card.get_by_role("button", name="Send reply by email").click()


async def test_ticket_reply_says_when_mail_fails_then_is_emailed(
    stack: Stack, isolated, new_context, make_agent, smtp, tmp_path: Path
) -> None:
    url, redis_url = isolated(SMTP_PORT=str(free_port()))  # nothing listens there
    ticket_id = await leave_message(url)
    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    card = await ticket_card(console, ticket_id)
    await send_reply(card, "Sorry! I've re-sent them just now.")
    error = card.locator(".error")
    await expect(error).to_contain_text("The email was not sent")
    await expect(error).to_contain_text("could not be reached")
    await expect(error).to_contain_text("The ticket stays unanswered")
    await console.screenshot("console-ticket-mail-failed.png")
    await console.page.locator("#tickets-refresh").click()  # as stored: still open, no reply
    card = console.page.locator(f"article.ticket[data-ticket='{ticket_id}']")
    await expect(card).to_contain_text("· open")
    await expect(card).not_to_contain_text("Replied by")

    # The mail server is fixed (another bridge, same data): the same reply goes out.
    smtp_port, inbox = smtp
    port = str(free_port())
    bridge = stack.start_bridge(FRONTDESK_PORT=port, REDIS_URL=redis_url, SMTP_PORT=str(smtp_port),
                                SMTP_FROM="Box office <box@lantern.example>",
                                ATTACHMENT_DIR=str(tmp_path / "attachments"))
    try:
        console = await Console.login(await new_context(), f"http://127.0.0.1:{port}", name,
                                      password)
        card = await ticket_card(console, ticket_id)
        await send_reply(card, "Sorry! I've re-sent them just now.")
        card = console.page.locator(f"article.ticket[data-ticket='{ticket_id}']")
        await expect(card).to_contain_text("Replied by Jo: Sorry! I've re-sent them just now.")
        await expect(card).to_contain_text("· answered")
        for _ in range(50):
            if inbox.messages:
                break
            await asyncio.sleep(0.1)
        assert len(inbox.messages) == 1
        recipients, email = inbox.messages[0]
        assert recipients == ["kim@example.org"]
        assert email["From"] == "Box office <box@lantern.example>"
        assert email["Date"] and email["Message-ID"].endswith("@lantern.example>")
        assert "re-sent them" in email.get_payload(decode=True).decode()
        await console.screenshot("console-ticket-answered.png")
        assert not console.errors
    finally:
        bridge.stop()


async def test_a_ticket_shows_its_latest_lines_and_pages_in_earlier_ones(
    stack: Stack, isolated, new_context, make_agent
) -> None:
    """A ticket refers to its conversation: the card lists its latest lines, and *Show earlier
    messages* pages in the rest (the first line included) without an error."""
    from bot.models import Message, Sender
    from bot.store.redis import RedisStore

    url, redis_url = isolated()
    ticket_id = await leave_message(url)
    store = RedisStore(redis_url)
    try:
        ticket = await store.get_ticket(ticket_id)
        assert ticket is not None
        for i in range(250):  # more than a page of earlier lines before the message was left
            await store.append(ticket.conversation_id, Message(Sender.SYSTEM, f"line {i}"))
    finally:
        await store.close()
    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    card = await ticket_card(console, ticket_id)
    await card.locator("details summary").click()
    lines = card.locator("ol.transcript-mini li")
    await expect(lines).to_have_count(5)
    await expect(lines.last).to_contain_text("line 249")
    earlier = card.get_by_role("button", name="Show earlier messages")
    await earlier.click()
    await expect(lines).to_have_count(205)
    await earlier.click()
    await expect(earlier).to_have_count(0)  # nothing earlier: the button goes
    await expect(lines.first).to_contain_text("visitor: hello")
    assert not console.errors
