"""The agent's view never goes stale: every message, every move, canned changes, ratings, payloads
shown as the button clicked, keyboard tabs, presence kept across sign-in."""

from __future__ import annotations

import re

from playwright.async_api import expect

from clients import AgentClient
from webui import Console, Widget


async def test_console_follows_every_move_and_message(stack, new_context, make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Robin")
    console = await Console.login(await new_context(), stack.bridge_url, name, password,
                                  query="?linger_ms=4000")
    page = console.page

    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    first = await widget.hand_over()
    chat = await console.claim(first)
    # Quick-reply payloads read as the button the visitor clicked, in the transcript and the tab.
    visitor_rows = chat.locator(".msg.visitor .body")
    await expect(visitor_rows.filter(has_text="Clicked “Tickets & billing”")).to_have_count(1)
    await expect(chat.locator(".msg.visitor")).not_to_contain_text(["/department"])
    assert "/department" not in await page.locator("#chat-tabs").inner_text()
    assert "/human_handoff" not in await chat.inner_text()

    # Hand back: the tab says so at once. The chat is the bot's now, which a department's agent
    # may not open, so the exchange that follows is not shown (live events follow the same rule).
    await chat.get_by_role("button", name="Hand back to bot").click()
    await expect(chat.locator(".state")).to_have_text("With the bot")
    await expect(widget.rows().last).to_contain_text("back with the virtual assistant")
    shown, answers = await chat.locator(".msg").count(), await widget.rows("bot").count()
    await widget.say("what time does the box office open?")
    await expect(widget.rows("bot")).to_have_count(answers + 1)  # answered by the bot
    assert await chat.locator(".msg").count() == shown

    # A supervisor changes canned responses elsewhere: this console has them at once.
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    await boss.must("canned_set", {"department": "tickets_billing", "key": "refund-policy",
                                   "text": "Refunds are possible up to 48 hours before the show."})
    await expect(chat.locator("select[aria-label='Insert a canned response'] option",
                              has_text="refund-policy")).to_have_count(1)

    # A second chat: arrow keys move between the tabs (WAI-ARIA tabs pattern).
    other_widget = await Widget.load(await new_context(), stack.bridge_url)
    await other_widget.open()
    second = await other_widget.hand_over()
    await console.claim(second)
    tabs = page.locator("#chat-tabs [role=tab]")
    await expect(tabs).to_have_count(2)
    await tabs.nth(0).click()
    await tabs.nth(0).press("ArrowRight")
    await expect(tabs.nth(1)).to_be_focused()
    await expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    await tabs.nth(1).press("ArrowRight")  # wraps around
    await expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")

    # Closed elsewhere (by the supervisor): the tab follows, the rating shows, then it leaves.
    await boss.must("close", {"conversation_id": second})
    second_chat = console.chat(second)
    await tabs.nth(1).click()
    await expect(second_chat.locator(".state")).to_have_text("Closed")
    await other_widget.button("Great").click()
    await expect(second_chat.locator(".details")).to_contain_text(re.compile(r"Rating\s*good"))
    await expect(page.locator(f"#chat-tabs [data-conversation='{second}']")).to_have_count(0,
                                                                                          timeout=10_000)
    assert not console.errors and not widget.errors
    await boss.close()


async def test_presence_is_restored_at_sign_in_and_offline_is_quiet(stack, new_context, make_agent) -> None:
    name, password = make_agent(department="general", display_name="Kai")
    context = await new_context()
    console = await Console.login(context, stack.bridge_url, name, password)
    page = console.page
    await page.select_option("#presence", "away")
    await expect(page.locator("#announcer")).to_contain_text("Status: away")
    await page.get_by_role("button", name=re.compile("Sign out|Log out", re.I)).click()
    await expect(page.locator("#login-view")).to_be_visible()
    again = await Console.login(context, stack.bridge_url, name, password)
    await expect(again.page.locator("#presence")).to_have_value("away")

    # Offline: no sound for new chats (the beep is never even started).
    await again.page.select_option("#presence", "offline")
    await expect(again.page.locator("#announcer")).to_contain_text("Status: offline")
    await again.page.evaluate("""() => {
        window.__tones = 0;
        const Real = window.AudioContext;
        window.AudioContext = function () {
            const ctx = new Real(); const make = ctx.createOscillator.bind(ctx);
            ctx.createOscillator = () => { window.__tones++; return make(); }; return ctx; };
    }""")
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    conversation_id = await widget.hand_over("General")
    await expect(again.queue_item(conversation_id)).to_be_visible()
    assert await again.page.evaluate("window.__tones") == 0
