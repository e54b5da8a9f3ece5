"""Tags in the console: an agent adds a tag to the chat they answer (normalised as the bridge
says) and removes one; after the close, Search finds the chat by its tag and shows its tags,
and an agent of another department finds nothing by that tag. Tags are text."""

from __future__ import annotations

from playwright.async_api import expect

from clients import Visitor
from handoff_flow import queue_visitor
from webui import Console


async def test_tag_a_chat_then_find_it_by_tag_with_department_isolation(
        isolated, new_context, make_agent) -> None:
    url, redis_url = isolated(AUTO_ASSIGN="false")
    name, password = make_agent("general", display_name="Jo", redis_url=redis_url)
    visitor = Visitor(url)
    await visitor.connect()
    await visitor.ask("hello there")
    await queue_visitor(visitor, "general")
    cid = visitor.conversation_id

    console = await Console.login(await new_context(), url, name, password)
    chat = await console.claim(cid)
    box = chat.get_by_label("Add a tag")
    for typed in ("Refund Request", "<b>VIP</b>", "late"):
        await box.fill(typed)
        await chat.get_by_role("button", name="Add tag").click()
        await expect(box).to_have_value("")
    tags = chat.locator(".tags .tag > span")  # each with its "Remove tag" button beside
    await expect(tags).to_have_text(["refund-request", "bvipb", "late"])
    assert await chat.locator(".tags b").count() == 0  # text, not markup
    await chat.get_by_role("button", name="Remove tag late").click()
    await expect(tags).to_have_text(["refund-request", "bvipb"])
    await console.screenshot("console-tags.png")
    await chat.get_by_role("button", name="Close chat").click()
    await visitor.close()

    await console.page.locator("[data-view=search]").click()
    await console.page.fill("#search-tag", "Refund request")
    await console.page.locator("#search-form button[type=submit]").click()
    hit = console.page.locator(f"#search-results .past-entry[data-entry='{cid}']")
    await expect(hit).to_be_visible()
    await expect(hit.locator(".tag")).to_have_text(["refund-request", "bvipb"])
    await expect(hit.locator("strong")).to_have_text("Chat with Jo")
    await console.page.fill("#search-tag", "late")  # taken off before the close
    await console.page.locator("#search-form button[type=submit]").click()
    await expect(console.page.locator("#search-results")).to_contain_text("Nothing found.")
    assert not console.errors and not console.dialogs

    other, secret = make_agent("tickets_billing", display_name="Bo", redis_url=redis_url)
    billing = await Console.login(await new_context(), url, other, secret)
    await billing.page.locator("[data-view=search]").click()
    await billing.page.fill("#search-tag", "refund-request")
    await billing.page.locator("#search-form button[type=submit]").click()
    await expect(billing.page.locator("#search-results")).to_contain_text("Nothing found.")
    assert not billing.errors and not billing.dialogs
