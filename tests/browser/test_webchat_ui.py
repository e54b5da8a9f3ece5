"""The stock rasa-webchat 1.0.1 bundle, unmodified, against the bridge (page /webchat)."""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.async_api import expect

from webui import Watched


async def test_rasa_webchat_gets_a_bot_reply(stack, new_context, faq_answers) -> None:
    context = await new_context()
    page = Watched(await context.new_page()).page
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    await page.goto(stack.bridge_url + "/webchat")

    await page.locator(".rw-launcher").click()
    await expect(page.locator(".rw-response").first).to_contain_text("virtual assistant")  # /greet
    await page.locator(".rw-new-message").fill("what are your opening hours?")
    await page.locator(".rw-new-message").press("Enter")
    answer = faq_answers["opening_hours"][0]
    await expect(page.locator(".rw-response", has_text=answer[:40])).to_be_visible()

    own = urlparse(stack.bridge_url).netloc
    assert all(urlparse(url).netloc == own for url in loaded if url.startswith("http")), loaded
