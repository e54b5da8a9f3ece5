"""A chat assigned to me (issue 24, item 2) alerts like a new chat: a sound, the title, a desktop
notification; its tab comes forward, unless I am writing a reply in another one (then my reply
keeps the focus and the new tab is marked)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from webui import Console, Widget

# Before the console's own code: count the tones started and the desktop notifications shown
# (permission granted, as an agent who allowed them).
WATCH = """
window.__tones = 0;
window.__notes = [];
const Real = window.AudioContext;
window.AudioContext = function () {
  const ctx = new Real(); const make = ctx.createOscillator.bind(ctx);
  ctx.createOscillator = () => { window.__tones++; return make(); }; return ctx; };
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notes.push([title, (options || {}).body || ""]); }
  close() {}
};
"""


async def given_to_ada(widget: Widget) -> str:
    """The visitor asks for a person of General, and Ada is given the chat at once."""
    await widget.open()
    await widget.person_button.click()
    await widget.button("General").click()
    await expect(widget.rows("system").last).to_contain_text("Ada joined")
    return await widget.session_id()


async def test_an_assigned_chat_alerts_and_comes_forward_without_taking_the_focus(
        isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="true")
    name, password = make_agent(department="general", display_name="Ada", capacity=3,
                                redis_url=redis_url)
    context = await new_context()
    await context.add_init_script(WATCH)
    console = await Console.login(context, url, name, password)
    page = console.page
    tabs = page.locator("#chat-tabs [role=tab]")

    # Nothing open: the chat is given to Ada (auto-assignment), and she hears, sees and reads it.
    first = await given_to_ada(await Widget.load(await new_context(), url))
    first_tab = page.locator(f"#chat-tabs [role=tab][data-conversation='{first}']")
    await expect(first_tab).to_have_attribute("aria-selected", "true")
    await expect(console.chat(first)).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^\(1\) New chat — Frontdesk$"))
    assert await page.evaluate("window.__tones") >= 1
    notes = await page.evaluate("window.__notes")
    assert [title for title, _ in notes] == ["Chat assigned to you"], notes

    # Ada is writing to the first visitor when a second chat is given to her: alerted, but her
    # reply keeps the screen and the focus; the new tab waits, marked.
    box = console.chat(first).locator("form.reply textarea")
    await box.click()
    await box.press_sequentially("Let me check your bo")
    second = await given_to_ada(await Widget.load(await new_context(), url))
    second_tab = page.locator(f"#chat-tabs [role=tab][data-conversation='{second}']")
    await expect(second_tab).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^\(2\) New chat — Frontdesk$"))
    await expect(second_tab).to_have_class(re.compile(r"\bunread\b"))
    notes = await page.evaluate("window.__notes")
    assert [title for title, _ in notes] == ["Chat assigned to you"] * 2, notes
    await expect(first_tab).to_have_attribute("aria-selected", "true")
    await expect(box).to_be_focused()
    await box.press_sequentially("oking")
    await expect(box).to_have_value("Let me check your booking")
    assert await tabs.count() == 2
    assert not console.errors
