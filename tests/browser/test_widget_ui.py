"""The visitor widget in a real browser against the real stack (Redis, Rasa, actions, bridge)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from playwright.async_api import expect

from clients import AgentClient
from webui import CHROMIUM, PHONE, Console, Widget


def test_chromium_is_installed() -> None:
    """The UI tests need Debian's chromium; without it they must fail, not silently skip."""
    assert Path(CHROMIUM).is_file(), f"Chromium not found at {CHROMIUM}; set CHROMIUM_PATH"


async def test_faq_is_answered(stack, new_context, faq_answers) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("what are your opening hours?")
    answer = faq_answers["opening_hours"][0]
    await expect(widget.rows("bot").last).to_contain_text(answer[:40])
    await expect(widget.rows("bot").last.locator(".who")).to_have_text("Assistant")
    await expect(widget.q(".log")).to_have_attribute("aria-live", "polite")
    await widget.screenshot("widget-desktop.png")
    assert not widget.errors


async def test_bot_is_honest_and_offers_a_person(stack, new_context) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("are you real?")
    await expect(widget.rows("bot").last).to_contain_text("not a person")
    await expect(widget.button("Talk to a person")).to_be_visible()
    # One "Talk to a person" at a time: the footer's hides while the answer offers it...
    await expect(widget.q(".actions .person")).to_be_hidden()
    await expect(widget.q("button:text-is('Talk to a person'):visible")).to_have_count(1)
    await widget.say("what are your opening hours?")  # ...and is back once the visitor moves on
    await expect(widget.q(".actions .person")).to_be_visible()
    await expect(widget.q("button:text-is('Talk to a person'):visible")).to_have_count(1)


async def test_small_phone_screen(stack, new_context, faq_answers) -> None:
    context = await new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    widget = await Widget.load(context, stack.bridge_url)
    await widget.open()
    await widget.say("what are your opening hours?")
    await expect(widget.rows("bot").last).to_contain_text(faq_answers["opening_hours"][0][:40])
    box = await widget.panel.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]
    for part in (widget.input, widget.q(".send"), widget.q(".head .icon")):
        await expect(part).to_be_in_viewport()
    assert await widget.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await widget.screenshot("widget-mobile.png")


async def test_reload_keeps_the_conversation(stack, new_context) -> None:
    context = await new_context()
    widget = await Widget.load(context, stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    await expect(widget.rows("bot")).to_have_count(1)
    await widget.say("what are your opening hours?")
    await expect(widget.rows("bot")).to_have_count(2)
    before = await widget.q(".row .bubble").all_inner_texts()
    session = await widget.session_id()

    await widget.page.reload()
    await expect(widget.panel).to_be_visible()  # it was open: it opens again
    await expect(widget.rows("bot")).to_have_count(2)
    await expect(widget.rows("visitor")).to_have_count(2)
    assert await widget.q(".row .bubble").all_inner_texts() == before  # same order, no duplicates
    assert await widget.session_id() == session


async def test_network_drop_replays_what_was_missed(stack, new_context, make_agent) -> None:
    context = await new_context()
    widget = await Widget.load(context, stack.bridge_url)
    await widget.open()
    await widget.say("are you real?")
    await expect(widget.button("Talk to a person")).to_be_visible()
    conversation_id = await widget.hand_over()

    name, password = make_agent(display_name="Robin")
    agent = AgentClient(stack.bridge_url)
    await agent.connect(name, password)
    try:
        await agent.must("claim", {"conversation_id": conversation_id})
        await expect(widget.q(".subtitle")).to_have_text("Chatting with Robin")

        await context.set_offline(True)
        await expect(widget.q(".banner")).to_have_text("Reconnecting…")
        await agent.must("reply", {"conversation_id": conversation_id,
                                   "text": "I replied while you were offline."})
        await widget.input.fill("are you still there?")  # typed offline: kept, sent later
        await widget.input.press("Enter")
        await expect(widget.rows("visitor").last).to_have_class("row visitor pending")
        await asyncio.sleep(1)
        await expect(widget.rows("agent")).to_have_count(0)

        await context.set_offline(False)
        await expect(widget.q(".banner")).to_be_hidden()
        await expect(widget.rows("agent")).to_have_count(1)
        await expect(widget.rows("agent")).to_contain_text("I replied while you were offline.")
        await expect(widget.rows("visitor").last).to_have_class("row visitor")  # acknowledged

        async def stored_once() -> bool:
            answer = await agent.must("history", {"conversation_id": conversation_id})
            return [m["text"] for m in answer["messages"]].count("are you still there?") == 1

        for _ in range(50):
            if await stored_once():
                break
            await asyncio.sleep(0.2)
        assert await stored_once()
        # the agent's message sits before the visitor's later one, as in the stored transcript
        texts = await widget.q(".row .bubble").all_inner_texts()
        where = lambda text: next(i for i, t in enumerate(texts) if t.endswith(text))
        assert where("are you still there?") > where("I replied while you were offline.")
    finally:
        await agent.close()


async def test_keyboard_only(stack, new_context) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    page = widget.page

    async def focused() -> str:
        return await page.evaluate("""() => {
            let el = document.activeElement;
            while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
            return el ? (el.className || el.tagName) + '|' + (el.textContent || '').trim() : '';
        }""")

    await page.keyboard.press("Tab")
    assert (await focused()).startswith("launch|")
    await page.keyboard.press("Enter")
    await expect(widget.panel).to_be_visible()
    assert (await focused()).startswith("TEXTAREA")
    await page.keyboard.type("are you real?")
    await page.keyboard.press("Enter")
    await expect(widget.button("Talk to a person")).to_be_visible()

    for _ in range(8):  # back from the input to the suggested replies
        await page.keyboard.press("Shift+Tab")
        if await focused() == "chip|Talk to a person" and await page.evaluate(
            "() => !!document.activeElement.shadowRoot.activeElement.closest('.replies')"
        ):
            break
    else:
        raise AssertionError(f"no quick reply reached by keyboard; focus on {await focused()}")
    await page.keyboard.press("Enter")
    await expect(widget.rows("visitor").last.locator(".bubble")).to_have_text("Talk to a person")

    await page.keyboard.press("Escape")
    await expect(widget.panel).to_be_hidden()
    assert (await focused()).startswith("launch|")
    await expect(widget.launcher).to_have_attribute("aria-expanded", "false")


async def test_leave_a_message_becomes_a_ticket(stack, new_context, make_agent) -> None:
    # A supervisor reads the tickets: routing may send the chat to whichever department has
    # someone online (agents of other tests linger), and a ticket stays with that department.
    name, password = make_agent(department="website_technical", role="supervisor", display_name="Kim")
    note = f"My account page shows error {uuid.uuid4().hex[:8]}."
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("are you real?")
    await expect(widget.rows("bot")).to_have_count(1)  # the answer offers a person: one button
    await widget.hand_over("Website & technical")
    form = widget.q("form.leave")
    if not await form.is_visible():  # the visitor asks for the form: the offer's or the footer's
        await widget.q("button:text-is('Leave a message'):visible").last.click()
    await expect(form).to_be_visible()
    await form.get_by_label("Your name").fill("Dana")
    await form.get_by_label("Email").fill("dana@example.com")
    await form.get_by_label("Message").fill(note)
    await form.get_by_role("button", name="Send message").click()
    await expect(form).to_be_hidden()
    await expect(widget.rows("system").last).to_contain_text("dana@example.com")
    for unsaid in (note, "Leave a message"):  # the form is not a message to the chat
        await expect(widget.rows("visitor").filter(has_text=unsaid)).to_have_count(0)

    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    await console.page.get_by_role("button", name="Tickets").click()
    ticket = console.page.locator(".ticket", has_text=note)
    await expect(ticket).to_contain_text("dana@example.com")
