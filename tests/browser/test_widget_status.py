"""One honest status while waiting (issue 12): when nobody can answer, the widget says so and
offers to leave a message, with no place in a queue and no wait; once someone can, the place
and the wait appear and follow the queue. The leave-a-message form opens only when the visitor
asks, keeps its explanation in sight, and closes by itself when a person joins or the chat is
closed; the rating buttons then fit in the panel, on a small phone too.

Each test has a bridge of its own (its own Redis database): on the shared one, agents of other
tests may still be online."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Locator, expect

from webui import DESKTOP, Console, Widget

SMALL_PHONE = {"width": 360, "height": 640}
QUEUE_WORDS = re.compile(r"You're next|You're number|\bmin\b")
OFFER = "Nobody from our team is online right now"  # no department asked: nobody could take it


async def wait_for_person(url: str, new_context, viewport=DESKTOP) -> Widget:
    widget = await Widget.load(await new_context(viewport=viewport), url)
    await widget.open()
    await widget.hand_over("Tickets & billing")
    return widget


async def no_queue_words(widget: Widget) -> None:
    """Nothing on show gives a place in the queue or a wait: not now, nor after the next
    announcements (once a second)."""
    for _ in range(2):
        await expect(widget.panel).not_to_contain_text(QUEUE_WORDS)
        await asyncio.sleep(1.5)
    shown = await widget.panel.inner_text()  # what is rendered, hidden parts left out
    assert not QUEUE_WORDS.search(shown), shown


async def fully_inside(inner: Locator, outer: Locator, viewport: dict[str, int]) -> None:
    box, frame = await inner.bounding_box(), await outer.bounding_box()
    assert box and frame, (box, frame)
    assert frame["x"] >= 0 and frame["y"] >= 0
    assert frame["x"] + frame["width"] <= viewport["width"] + 0.5
    assert frame["y"] + frame["height"] <= viewport["height"] + 0.5
    assert box["x"] >= frame["x"] and box["y"] >= frame["y"], (box, frame)
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, (box, frame)
    assert box["y"] + box["height"] <= frame["y"] + frame["height"] + 0.5, (box, frame)


async def test_nobody_online_then_the_wait_appears_and_follows_the_queue(isolated, new_context,
                                                                          make_agent) -> None:
    url, redis_url = isolated()
    first = await wait_for_person(url, new_context)
    await expect(first.rows("system").filter(has_text=OFFER)).to_be_visible()
    status = first.q(".queue")
    await expect(status).to_be_visible()
    await expect(status).to_contain_text("Waiting for someone from our team to come online")
    # one offer on screen: the offer's own button (the footer's shows once it is gone)
    await expect(first.q("button:text-is('Leave a message'):visible")).to_have_count(1)
    await expect(first.rows("system").filter(has_text=OFFER)
                 .get_by_role("button", name="Leave a message")).to_be_visible()
    await no_queue_words(first)
    second = await wait_for_person(url, new_context)
    await no_queue_words(second)

    name, password = make_agent("tickets_billing", display_name="Noor", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    await expect(first.q(".queue")).to_have_text("You're next · about 3 min")  # 180 s a chat
    await expect(second.q(".queue")).to_have_text("You're number 2 in the queue · about 6 min")
    await expect(second.q(".queue")).not_to_contain_text("Nobody")

    await console.claim(await first.session_id())  # the queue moves: the wait follows
    await expect(second.q(".queue")).to_have_text("You're next · about 3 min")
    await expect(first.q(".queue")).to_be_hidden()
    await expect(first.q(".subtitle")).to_have_text("Chatting with Noor")
    assert not first.errors and not second.errors


async def test_the_form_opens_when_asked_and_closes_when_a_person_joins(isolated, new_context,
                                                                        make_agent) -> None:
    url, redis_url = isolated()
    widget = await wait_for_person(url, new_context)
    offer = widget.rows("system").filter(has_text=OFFER)
    await expect(offer).to_be_visible()
    form = widget.q("form.leave")
    await asyncio.sleep(1.5)
    await expect(form).to_be_hidden()  # offered, not opened unasked
    await offer.get_by_role("button", name="Leave a message").click()
    await expect(form).to_be_visible()
    for explanation in (offer, form.get_by_role("heading", name="Leave us a message"),
                        form.get_by_text("We'll answer by email as soon as we can.")):
        await expect(explanation).to_be_in_viewport()
    await expect(form.get_by_label("Your name")).to_be_focused()
    await expect(widget.q("button:text-is('Leave a message'):visible")).to_have_count(1)

    name, password = make_agent("tickets_billing", display_name="Noor", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    await console.claim(await widget.session_id())
    await expect(widget.q(".subtitle")).to_have_text("Chatting with Noor")
    await expect(form).to_be_hidden()
    assert not widget.errors


async def test_closing_the_chat_closes_the_form_and_the_rating_fits(isolated, new_context,
                                                                    make_agent) -> None:
    url, redis_url = isolated()
    name, password = make_agent("tickets_billing", display_name="Noor", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    for viewport in (SMALL_PHONE, DESKTOP):
        widget = await wait_for_person(url, new_context, viewport)
        await expect(widget.q(".queue")).to_contain_text("You're next")
        await widget.q(".actions button:text-is('Leave a message')").click()  # asked while waiting
        form = widget.q("form.leave")
        await expect(form).to_be_visible()
        await form.get_by_label("Message").fill("I'd rather write")

        conversation_id = await widget.session_id()
        await console.queue_item(conversation_id).get_by_role("button", name="Preview").click()
        await console.chat(conversation_id).get_by_role("button", name="Close chat").click()
        await expect(widget.q(".subtitle")).to_have_text("Chat closed")
        await expect(form).to_be_hidden()
        rating = widget.rows("system").last.locator(".replies")
        for title in ("Great", "OK", "Poor"):
            button = rating.get_by_role("button", name=title)
            await expect(button).to_be_in_viewport(ratio=1)
            await fully_inside(button, widget.panel, viewport)
        await fully_inside(rating, widget.q(".log"), viewport)
        await widget.screenshot(f"widget-rating-{viewport['width']}.png")
        await widget.button("Great").click()
        await expect(widget.rows("system").last).to_contain_text("Thank you for your feedback")
        assert not widget.errors


async def test_typing_that_you_want_to_leave_a_message_opens_the_form(isolated, new_context) -> None:
    """Asked in words while waiting, the form opens beside the chat (focus stays in the chat box);
    saying you do not want to leave one does not open it."""
    url, _ = isolated()
    widget = await wait_for_person(url, new_context)
    form = widget.q("form.leave")
    await widget.say("I don't want to leave a message, I want a person")
    # acknowledged: the bridge has stored it and decided who reads it (a person: no answer)
    await expect(widget.rows("visitor").last).to_have_class("row visitor")
    await expect(form).to_be_hidden()
    await widget.say("can I leave a message?")
    await expect(form).to_be_visible()
    await expect(widget.input).to_be_focused()
    assert not widget.errors
