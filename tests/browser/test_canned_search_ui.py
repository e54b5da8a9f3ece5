"""Typing "/" in the console's reply box searches the agent's canned responses (their
departments' only): arrow keys and Enter insert one, Escape closes, as an ARIA listbox."""

from __future__ import annotations

import uuid

from playwright.async_api import expect

from clients import AgentClient
from webui import Console, Widget


async def test_slash_search_inserts_a_canned_response(stack, new_context, make_agent) -> None:
    word = f"zq{uuid.uuid4().hex[:6]}"  # unique to this test in the shared store
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    for department, key, text in (
        ("tickets_billing", f"{word}-refund", f"Refunds {word}: up to 48 hours before the show."),
        ("tickets_billing", f"{word}-seats", f"Seats {word}: pick them at checkout."),
        ("website_technical", f"{word}-login", f"Secret {word}: reset your password."),
    ):
        await boss.must("canned_set", {"department": department, "key": key, "text": text})

    name, password = make_agent(department="tickets_billing", display_name="Sam")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    chat = await console.claim(await widget.hand_over())
    box = chat.locator("form.reply textarea")
    listbox = chat.get_by_role("listbox", name="Canned responses")
    await expect(listbox).to_be_hidden()

    await box.press_sequentially(f"Hi! /{word}")
    options = listbox.get_by_role("option")
    await expect(listbox).to_be_visible()
    await expect(options).to_have_count(2)  # another department's canned response is not offered
    await expect(listbox).not_to_contain_text("Secret")
    await expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute("aria-activedescendant", await options.nth(0).get_attribute("id"))
    await box.press_sequentially(" seat")  # more words narrow it down
    await expect(options).to_have_count(1)
    await box.press("Backspace")
    await box.press("Backspace")
    await box.press("Backspace")
    await box.press("Backspace")
    await box.press("Backspace")
    await expect(options).to_have_count(2)
    await box.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute("aria-activedescendant", await options.nth(1).get_attribute("id"))
    chosen = await options.nth(1).inner_text()
    await box.press("Enter")  # inserts, does not send
    await expect(listbox).to_be_hidden()
    expected = "Refunds" if "refund" in chosen else "Seats"
    await expect(box).to_have_value(f"Hi! {expected} {word}: " + (
        "up to 48 hours before the show." if expected == "Refunds" else "pick them at checkout."))
    await expect(chat.locator(".msg.agent")).to_have_count(0)

    # Escape closes it and leaves the text as typed; Enter then sends.
    await box.press_sequentially(f" /{word}")
    await expect(listbox).to_be_visible()
    await box.press("Escape")
    await expect(listbox).to_be_hidden()
    await expect(box).to_have_value(f"Hi! {expected} {word}: " + (
        "up to 48 hours before the show." if expected == "Refunds" else "pick them at checkout.")
        + f" /{word}")
    await box.press("Enter")
    await expect(widget.rows("agent").last).to_contain_text(f"Hi! {expected} {word}")
    assert not console.errors and not widget.errors
