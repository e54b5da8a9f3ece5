"""The widget as a business embeds it: one script tag whose attributes set its look, and a
script small enough for any page (issue #12: under 30 KB gzipped)."""

from __future__ import annotations

import gzip

from playwright.async_api import expect

from webui import ROOT, Widget

LIMIT = 30 * 1024


def test_the_widget_stays_under_30_kb_gzipped() -> None:
    script = (ROOT / "widget" / "dist" / "widget.js").read_bytes()
    size = len(gzip.compress(script, 9))
    print(f"widget.js: {len(script)} bytes, {size} gzipped")
    assert 5_000 < size < LIMIT, size  # a few KB at least: an empty build would pass otherwise


async def test_the_script_tag_sets_title_colour_and_greeting(stack, new_context) -> None:
    """A customer page with its own tag (served here from the bridge's origin, as a page of the
    business would be): data-title, data-color and data-greeting win over the defaults."""
    context = await new_context()
    page_url = stack.bridge_url + "/embedded-test-page"
    html = ('<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1>'
            f'<script src="{stack.bridge_url}/widget.js" async data-title="Ask the shop"'
            ' data-color="#7b1fa2" data-greeting="Hello from the shop! Ask about &lt;b&gt;hours&lt;/b&gt;.">'
            '</script></main></body></html>')
    await context.route(page_url, lambda route: route.fulfill(body=html, content_type="text/html"))
    widget = await Widget.load(context, stack.bridge_url, "/embedded-test-page")
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
