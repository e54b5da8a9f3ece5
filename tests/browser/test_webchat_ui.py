"""The stock rasa-webchat 1.0.1 bundle, unmodified, against the bridge (page /webchat)."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.async_api import expect

from webui import Watched


async def test_rasa_webchat_gets_a_bot_reply(stack, new_context, faq_answers) -> None:
    context = await new_context()
    watched = Watched(await context.new_page())
    page = watched.page
    loaded: list[str] = []
    # rasa-webchat's CSS @imports a Google web font; the page's CSP stops that request, so no
    # response may come from anywhere but this server
    page.on("response", lambda response: loaded.append(response.url))
    await page.goto(stack.bridge_url + "/webchat")

    await page.locator(".rw-launcher").click()
    # rasa-webchat renders a bot_uttered only when its keys, besides `metadata`, are exactly
    # {text} or {text, quick_replies|buttons} (or an image/video/carousel attachment): any other
    # top-level key (id, ts, sender...) makes it an empty "custom" message.
    greeting = page.locator(".rw-response", has_text="virtual assistant")
    await expect(greeting, "rasa-webchat showed no bot reply: is bot_uttered Rasa-shaped?").to_be_visible()
    await page.locator(".rw-new-message").fill("what are your opening hours?")
    await page.locator(".rw-new-message").press("Enter")
    answer = faq_answers["opening_hours"][0]
    await expect(page.locator(".rw-response", has_text=answer[:40])).to_be_visible()

    await watched.screenshot("webchat.png")
    own = urlparse(stack.bridge_url).netloc
    assert all(urlparse(url).netloc == own for url in loaded if url.startswith("http")), loaded
