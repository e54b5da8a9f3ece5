"""With nobody online at all (issue 24, item 9): the visitor who asks for a person is not asked
which department (nobody could take it), is told once that nobody is online, with one "Leave a
message", and the message left keeps the conversation for the agent who reads it later. With
someone online in any department, the department question stays.

Each test has a bridge of its own (its own Redis database): on the shared one, agents of other
tests may still be online."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from webui import Console, Widget

NOBODY = re.compile(r"\bnobody\b|\bno one\b", re.IGNORECASE)
QUESTION = "what is it about?"


async def visible_lines(widget: Widget) -> list[str]:
    """Every line of text on show in the widget's panel (hidden parts left out)."""
    return [line for line in (await widget.panel.inner_text()).splitlines() if line.strip()]


async def test_nobody_online_one_honest_line_one_offer_no_department_question(
        isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")  # a fresh Redis: nobody online
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.say("hello")
    await expect(widget.rows("bot")).not_to_have_count(0)
    await widget.person_button.click()
    offer = widget.rows("system").filter(has_text="Nobody from our team is online right now")
    await expect(offer).to_have_count(1)
    await expect(widget.q(".subtitle")).to_have_text("Waiting for a person…")
    await asyncio.sleep(2.5)  # the announcer's next words (once a second) would be on show now
    lines = await visible_lines(widget)
    assert not [line for line in lines if QUESTION in line.lower()], lines
    await expect(widget.q(".replies button[data-payload^='/department']")).to_have_count(0)
    said = [line for line in lines if NOBODY.search(line)]
    assert len(said) == 1, said  # said once: not "passing you", not again in the status line
    await expect(widget.q("button:text-is('Leave a message'):visible")).to_have_count(1)
    await expect(offer.get_by_role("button", name="Leave a message")).to_be_visible()
    await expect(widget.q(".queue")).not_to_contain_text(NOBODY)

    await offer.get_by_role("button", name="Leave a message").click()
    form = widget.q("form.leave")
    await form.locator("#fd-l-name").fill("Kim")
    await form.locator("#fd-l-email").fill("kim@example.org")
    await form.locator("#fd-l-text").fill("Please send them again.")
    await form.get_by_role("button", name="Send message").click()
    await expect(widget.q(".log")).to_contain_text("We'll reply to kim@example.org")

    name, password = make_agent("general", display_name="Gwen", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    await console.page.locator("[data-view=tickets]").click()
    card = console.page.locator("article.ticket").first
    await expect(card).to_contain_text("Please send them again.")
    await card.locator("summary").click()  # the conversation before the message, kept
    await expect(card.locator(".transcript-mini")).to_contain_text("visitor: hello")
    assert not widget.errors and not console.errors


async def test_outside_hours_no_department_question_and_when_people_are_back(
        isolated, new_context) -> None:
    url, _ = isolated(BUSINESS_HOURS="Mon 00:00-00:01", BUSINESS_TIMEZONE="Europe/London")
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.person_button.click()
    offer = widget.rows("system").filter(has_text="outside our opening hours")
    await expect(offer).to_contain_text(re.compile(r"we're back Monday 00:00 (GMT|BST)"))
    await asyncio.sleep(2.5)
    lines = await visible_lines(widget)
    assert not [line for line in lines if QUESTION in line.lower()], lines
    said = [line for line in lines if NOBODY.search(line)]
    assert len(said) <= 1, said  # the greeting's, if any: the offer does not say it again
    await expect(widget.q("button:text-is('Leave a message'):visible")).to_have_count(1)
    assert not widget.errors


async def test_someone_online_in_another_department_the_question_stays(
        isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    name, password = make_agent("website_technical", display_name="Wren", redis_url=redis_url)
    console = await Console.login(await new_context(), url, name, password)
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.person_button.click()
    await expect(widget.rows("system").filter(has_text=QUESTION)).to_have_count(1)
    await expect(widget.button("Tickets & billing")).to_be_visible()
    await expect(widget.panel).not_to_contain_text(NOBODY)
    assert not widget.errors and not console.errors
