"""The widget of another site pack: its title, colour and greeting come from sites/<pack>/site.yml
when the script tag does not set them (issue 14)."""

from __future__ import annotations

from playwright.async_api import expect

from bot.site import load

from webui import Widget


async def test_the_widget_takes_the_packs_title_colour_and_greeting(isolated, new_context) -> None:
    url, _ = isolated(SITE="spoke-and-chain")
    pack = load("spoke-and-chain")
    widget = await Widget.load(await new_context(), url)
    await expect(widget.page.locator("h1")).to_have_text("Spoke & Chain Cycles")
    await widget.open()
    await expect(widget.q(".head .title")).to_have_text("Ask Spoke & Chain")
    await expect(widget.launcher).to_have_attribute("aria-label", "Close chat: Ask Spoke & Chain")
    background = await widget.launcher.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(46, 125, 50)", background  # #2e7d32
    await expect(widget.q(".row.greeting")).to_contain_text(pack.widget.greeting)
    await widget.screenshot("widget-site-pack-spoke-and-chain.png")
