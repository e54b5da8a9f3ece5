"""A chat transferred to an agent of another department, as its new agent sees it."""

from __future__ import annotations

from playwright.async_api import expect
from test_attachments import png

from clients import AgentClient
from webui import Console, Widget

NOTE = "Over to you: the card payment failed twice, screenshots above."


async def test_a_transferred_chat_with_images_opens_at_its_end_with_the_new_departments_canned(
        isolated, new_context, make_agent) -> None:
    """The transfer note, the latest thing, is in view once the images have loaded (they load
    after the chat opened and grow the transcript), and the canned responses are those the
    recipient may use, not "No canned responses" for a department not theirs."""
    url, redis_url = isolated(AUTO_ASSIGN="false")
    ari = AgentClient(url)
    await ari.connect(*make_agent("tickets_billing", display_name="Ari", redis_url=redis_url))
    boss = AgentClient(url)
    await boss.connect(*make_agent("general", role="supervisor", display_name="Kim",
                                   redis_url=redis_url))
    try:
        await boss.must("canned_set", {"department": "general", "key": "hello",
                                       "text": "Hello, I'm taking over your chat."})
        name, password = make_agent("general", display_name="Sam", redis_url=redis_url)
        console = await Console.login(await new_context(), url, name, password)
        widget = await Widget.load(await new_context(), url)
        await widget.open()
        conversation_id = await widget.hand_over()
        await ari.must("claim", {"conversation_id": conversation_id})
        for n in range(4):
            await widget.q("input[type=file]").set_input_files(
                {"name": f"error {n}.png", "mimeType": "image/png", "buffer": png(400, 300)})
            await expect(widget.rows("visitor").locator("img.thumb")).to_have_count(n + 1)
        await ari.must("transfer", {"conversation_id": conversation_id, "to_agent": name,
                                    "note": NOTE})

        chat = console.chat(conversation_id)
        await expect(chat.locator(".state")).to_have_text("Yours")
        thumbs = chat.locator("img.thumb")
        await expect(thumbs).to_have_count(4)
        await console.page.wait_for_function(
            "() => [...document.querySelectorAll('section.chat img.thumb')]"
            ".every((img) => img.complete && img.naturalWidth > 0)")
        note = chat.locator(".msg", has_text=NOTE).last
        await expect(note).to_be_in_viewport()
        transcript = chat.locator(".transcript")
        at_end = ("t => t.scrollHeight > t.clientHeight"
                  " && t.scrollTop + t.clientHeight >= t.scrollHeight - 4")
        await console.page.wait_for_function(
            f"() => ({at_end})(document.querySelector("
            f"'section.chat[data-conversation=\"{conversation_id}\"] .transcript'))", timeout=10_000)
        assert await transcript.evaluate("t => t.scrollTop") > 0

        canned = chat.get_by_label("Insert a canned response").locator("option")
        await expect(canned.filter(has_text="hello: Hello, I'm taking over")).to_have_count(1)
        await expect(canned.filter(has_text="No canned responses")).to_have_count(0)
        assert not console.errors
    finally:
        await ari.close()
        await boss.close()
