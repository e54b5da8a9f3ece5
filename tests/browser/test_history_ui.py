"""The console's history panel and Search view: a returning visitor's earlier chat is listed
in the chat's details and opens read only with its transcript; Search finds it by a word; an
agent of another department finds nothing; visitor text is shown as text."""

from __future__ import annotations

import hashlib
import hmac

from playwright.async_api import expect

from clients import AgentClient, Visitor
from handoff_flow import queue_visitor
from webui import Console

SECRET = "history-ui-secret"
SAID = "<img src=x onerror=alert(1)> my quokkaparade question"


async def verified(url: str, user_id: str) -> Visitor:
    visitor = Visitor(url)
    await visitor.sio.connect(url, transports=["websocket"])
    proof = hmac.new(SECRET.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    await visitor.sio.emit("session_request", {"user_id": user_id, "user_hash": proof})
    visitor.session_id = await visitor.seen.wait_for("session_confirm")
    visitor.conversation_id = (await visitor.seen.wait_for("session_state"))["conversation_id"]
    return visitor


async def test_history_panel_and_search_with_department_isolation(isolated, new_context,
                                                                  make_agent) -> None:
    url, redis_url = isolated(IDENTITY_SECRET=SECRET)
    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    desk = AgentClient(url)  # the first visit, answered and closed over the socket
    await desk.connect(name, password)
    first = await verified(url, "user-5")
    await first.ask(SAID)
    await queue_visitor(first, "general")
    await desk.must("claim", {"conversation_id": first.conversation_id})
    await desk.must("reply", {"conversation_id": first.conversation_id,
                              "text": "Hello from the desk"})
    await desk.must("close", {"conversation_id": first.conversation_id})
    await desk.close()

    second = await verified(url, "user-5")  # the same user, another device
    await second.ask("I am back about the same thing")
    await queue_visitor(second, "general")
    console = await Console.login(await new_context(), url, name, password)
    chat = await console.claim(second.conversation_id)
    past = chat.locator(".past")
    entry = past.locator(f".past-entry[data-entry='{first.conversation_id}']")
    await expect(entry).to_contain_text("quokkaparade")
    await expect(entry.locator("strong")).to_have_text("Chat with Jo")  # not the login name
    await expect(entry).to_contain_text("<img src=x onerror=alert(1)>")  # text, not markup
    assert await past.locator("img").count() == 0
    await entry.get_by_role("button", name="Open").click()
    await expect(entry.locator(".past-transcript")).to_contain_text("Hello from the desk")
    await console.screenshot("console-visitor-history.png")

    await console.page.locator("[data-view=search]").click()
    await console.page.fill("#search-text", "quokkaparade")
    await console.page.locator("#search-form button[type=submit]").click()
    hit = console.page.locator(f"#search-results .past-entry[data-entry='{first.conversation_id}']")
    await expect(hit).to_be_visible()
    await hit.get_by_role("button", name="Open").click()
    await expect(hit.locator(".past-transcript")).to_contain_text("Hello from the desk")
    await console.screenshot("console-search.png")
    assert not console.errors and not console.dialogs

    # An agent of another department: their department only, and nothing of General's.
    other, secret = make_agent("tickets_billing", display_name="Bo", redis_url=redis_url)
    billing = await Console.login(await new_context(), url, other, secret)
    await billing.page.locator("[data-view=search]").click()
    options = billing.page.locator("#search-department option")
    await expect(options).to_have_count(1)
    await expect(options).to_have_text("Tickets & billing")
    await billing.page.fill("#search-text", "quokkaparade")
    await billing.page.locator("#search-form button[type=submit]").click()
    await expect(billing.page.locator("#search-results")).to_contain_text("Nothing found.")
    assert not billing.errors and not billing.dialogs
    for visitor in (first, second):
        await visitor.close()
