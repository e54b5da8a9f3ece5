"""The widget as a business embeds it: one script tag whose attributes set its look, and a
script small enough for any page (issue #12: under 30 KB gzipped)."""

from __future__ import annotations

import gzip

from playwright.async_api import expect

from clients import AgentClient
from webui import ROOT, Widget

LIMIT = 30 * 1024


def test_the_widget_stays_under_30_kb_gzipped() -> None:
    script = (ROOT / "widget" / "dist" / "widget.js").read_bytes()
    size = len(gzip.compress(script, 9))
    print(f"widget.js: {len(script)} bytes, {size} gzipped")
    assert 5_000 < size < LIMIT, size  # a few KB at least: an empty build would pass otherwise


COUNT_TONES = """
window.__tones = 0;
const Real = window.AudioContext || window.webkitAudioContext;
window.AudioContext = class extends Real {
  createOscillator() { window.__tones += 1; return super.createOscillator(); }
};
"""


def customer_page(bridge_url: str, attributes: str) -> str:
    return ('<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1>'
            f'<script src="{bridge_url}/widget.js" async {attributes}></script></main></body></html>')


async def embedded(stack, context, attributes: str) -> Widget:
    """The widget on a customer page with its own script tag (served here from the bridge's
    origin, as a page of the business would be)."""
    url = stack.bridge_url + "/embedded-test-page"
    html = customer_page(stack.bridge_url, attributes)
    await context.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    return await Widget.load(context, stack.bridge_url, "/embedded-test-page")


async def test_the_script_tag_sets_title_colour_and_greeting(stack, new_context) -> None:
    """data-title, data-color and data-greeting win over the defaults."""
    widget = await embedded(stack, await new_context(), 'data-title="Ask the shop" data-color="#7b1fa2"'
                            ' data-greeting="Hello from the shop! Ask about &lt;b&gt;hours&lt;/b&gt;."')
    await widget.open()
    await expect(widget.q(".head .title")).to_have_text("Ask the shop")
    await expect(widget.launcher).to_have_attribute("aria-label", "Close chat: Ask the shop")
    background = await widget.launcher.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(123, 31, 162)", background  # #7b1fa2
    greeting = widget.q(".row.greeting")
    await expect(greeting).to_contain_text("Hello from the shop! Ask about <b>hours</b>.")
    assert await greeting.locator("b").count() == 0  # the greeting is text, never markup
    await widget.screenshot("widget-script-tag.png")
    assert not widget.errors


async def test_data_sound_plays_a_tone_for_a_persons_message(stack, new_context, make_agent) -> None:
    """With data-sound="on", a person's message while the panel is closed plays a tone; without
    it, none (the title blinks either way: tests/browser/test_widget_details.py)."""
    agent = AgentClient(stack.bridge_url)
    await agent.connect(*make_agent("general", display_name="Kai"))
    try:
        for attributes, tones in (('data-sound="on"', 1), ("", 0)):
            context = await new_context()
            await context.add_init_script(COUNT_TONES)
            widget = await embedded(stack, context, attributes)
            await widget.open()
            conversation_id = await widget.hand_over("General")
            await agent.must("claim", {"conversation_id": conversation_id})
            await expect(widget.q(".subtitle")).to_have_text("Chatting with Kai")
            await widget.launcher.click()  # closed
            await agent.must("reply", {"conversation_id": conversation_id, "text": "Still there?"})
            await expect(widget.q(".badge")).to_have_text("1")
            assert await widget.page.evaluate("window.__tones") == tones, attributes
            await agent.must("close", {"conversation_id": conversation_id})
    finally:
        await agent.close()
