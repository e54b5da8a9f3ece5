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


async def test_did_you_mean_in_rasa_webchat(stack, new_context, faq_answers) -> None:
    """Stock rasa-webchat shows "did you mean" as quick replies, and a click answers the topic."""
    context = await new_context()
    watched = Watched(await context.new_page())
    page = watched.page
    await page.goto(stack.bridge_url + "/webchat")
    await page.locator(".rw-launcher").click()
    await expect(page.locator(".rw-response", has_text="virtual assistant")).to_be_visible()
    await page.locator(".rw-new-message").fill("handling fee")
    await page.locator(".rw-new-message").press("Enter")
    await expect(page.locator(".rw-response", has_text="Do you mean one of these?")).to_be_visible()
    replies = page.locator(".rw-reply")
    await expect(replies.last).to_have_text("Something else: talk to a person")
    title = (await replies.first.inner_text()).strip()
    topic = title.lower().replace(" ", "_")
    await replies.first.click()
    await expect(page.locator(".rw-response", has_text=faq_answers[topic][0][:40])).to_be_visible()


HOSTILE = [
    "[Click for a refund](javascript:alert(document.domain))",
    "[x](JaVaScRiPt:alert(2))",
    "<javascript:alert(3)>",
    "[ref][1]\n\n[1]: javascript:alert(4)",
    "[y](java&#115;cript:alert(5))",
    "[fine](https://lantern.example/refunds)",
]


async def test_agent_links_cannot_run_script_in_rasa_webchat(stack, new_context, make_agent) -> None:
    """rasa-webchat renders Markdown: an agent's (or a canned) link may only be a web link."""
    from clients import AgentClient

    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    context = await new_context()
    watched = Watched(await context.new_page())
    page = watched.page
    await page.goto(stack.bridge_url + "/webchat")
    await page.locator(".rw-launcher").click()
    await page.locator(".rw-new-message").fill("I want to talk to a person")
    await page.locator(".rw-new-message").press("Enter")
    await page.locator(".rw-reply", has_text="General").click()  # the department, as a visitor
    handoff = await boss.seen.wait_for("handoff", timeout=60)
    conversation_id = handoff["conversation"]["id"]
    await boss.must("claim", {"conversation_id": conversation_id})
    for text in HOSTILE:
        await boss.must("reply", {"conversation_id": conversation_id, "text": text})
    await expect(page.locator(".rw-response a[href^='https://lantern.example']")).to_have_count(1)
    hrefs = await page.eval_on_selector_all(".rw-response a", "els => els.map(e => e.getAttribute('href'))")
    assert all(h is None or h.startswith("https://") for h in hrefs), hrefs  # None: no link
    for link in await page.locator(".rw-response a").all():
        await link.click(modifiers=["Shift"], no_wait_after=True)  # would run a script here
    await page.wait_for_timeout(300)
    assert watched.dialogs == []
    await boss.close()


async def test_leave_a_message_in_rasa_webchat_does_not_loop(isolated, new_context) -> None:
    """Stock rasa-webchat has no form: its "Leave a message" button sends the payload as text, and
    the bridge asks for the email and the message in the chat (before, it offered the same button
    again and again)."""
    import redis.asyncio as aioredis

    url, redis_url = isolated(AUTO_ASSIGN="false")  # a fresh Redis: nobody online
    watched = Watched(await (await new_context()).new_page())
    page = watched.page
    await page.goto(url + "/webchat")
    await page.locator(".rw-launcher").click()

    async def say(text: str, then: str) -> None:
        await page.locator(".rw-new-message").fill(text)
        await page.locator(".rw-new-message").press("Enter")
        await expect(page.locator(".rw-response").last).to_contain_text(then, timeout=15_000)

    await say("I want to talk to a person", "Nobody from our team is online right now")
    await page.locator(".rw-reply", has_text="Leave a message").last.click()
    await expect(page.locator(".rw-response").last).to_contain_text("What's your email address?")
    await say("kim@example.org", "What would you like to tell us?")
    await say("My tickets for Friday never came.", "We'll reply to kim@example.org")
    offers = await page.locator(".rw-reply", has_text="Leave a message").count()
    assert offers == 0, offers  # the clicked offer is gone, and it never came back
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        assert await client.zcard("fd:tickets:general") == 1
    finally:
        await client.aclose()
    await watched.screenshot("webchat-leave-a-message.png")
