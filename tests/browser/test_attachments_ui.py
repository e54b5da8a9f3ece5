"""Attachments and the transcript by email in a real browser: the widget, the console and stock
rasa-webchat against the real stack."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect
from test_attachments import HTML, PDF, png, upload

from clients import AgentClient
from webui import Console, Watched, Widget


def picked(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


async def loaded(image) -> bool:
    """The browser fetched and decoded the image (through its signed link)."""
    return await image.evaluate("img => img.complete && img.naturalWidth > 0")


async def test_visitor_image_shows_as_a_thumbnail_in_the_console(stack, new_context, make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Alex")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    conversation_id = await widget.hand_over()
    chat = await console.claim(conversation_id)

    await widget.q("input[type=file]").set_input_files(
        picked("payment error.png", "image/png", png(64, 40, (220, 40, 40))))
    mine = widget.rows("visitor").last.locator("img.thumb")
    await expect(mine).to_be_visible()
    await expect(mine).to_have_attribute("alt", "payment error.png")
    thumb = chat.locator(".msg.visitor img.thumb")
    await expect(thumb).to_be_visible()
    assert await loaded(thumb) and await loaded(mine)
    await expect(chat.locator(".msg.visitor .attachment")).to_contain_text("payment error.png")
    await expect(console.page.locator(".chat-tab .snippet").first).to_have_text("File: payment error.png")
    await console.screenshot("console-attachment.png")
    await widget.screenshot("widget-attachment-sent.png")
    assert not widget.errors and not console.errors


async def test_agent_pdf_is_a_link_in_the_widget_that_downloads_it(stack, new_context,
                                                                   make_agent) -> None:
    name, password = make_agent(department="tickets_billing", display_name="Alex")
    console = await Console.login(await new_context(), stack.bridge_url, name, password)
    widget = await Widget.load(await new_context(accept_downloads=True), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    conversation_id = await widget.hand_over()
    chat = await console.claim(conversation_id)

    await chat.locator("input[type=file]").set_input_files(picked("your tickets.pdf", "application/pdf", PDF))
    await expect(chat.locator(".msg.agent .attachment")).to_contain_text("PDF: your tickets.pdf")
    link = widget.rows("agent").last.locator("a.file")
    await expect(link).to_have_text(re.compile(r"^PDF: your tickets\.pdf \(\d+ KB\)$"))
    async with widget.page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename == "your tickets.pdf"
    assert Path(await download.path()).read_bytes() == PDF
    await widget.screenshot("widget-attachment-pdf.png")
    # a file the agent may not send (by its bytes) is refused with the reason, nothing posted
    await chat.locator("input[type=file]").set_input_files(picked("seats.png", "image/png", HTML))
    await expect(chat.locator("form.reply .error")).to_contain_text("That kind of file can't be sent")
    await expect(chat.locator(".msg.agent .attachment")).to_have_count(1)
    assert not widget.errors and not console.errors


async def test_refused_files_show_a_clear_error_in_the_widget(stack, new_context) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    await expect(widget.rows("bot")).to_have_count(1)
    files = widget.q("input[type=file]")
    await files.set_input_files(picked("receipt.png", "image/png", HTML))  # HTML named PNG
    await expect(widget.q("div.error")).to_have_text(
        "That kind of file can't be sent. Allowed: PNG, JPEG, GIF, WebP, PDF.")
    await files.set_input_files(picked("huge.pdf", "application/pdf", PDF + b"\0" * (5 * 1024 * 1024)))
    await expect(widget.q("div.error")).to_have_text("That file is too large: files can be at most 5.0 MB.")
    await expect(widget.rows("visitor")).to_have_count(1)  # only "hello"
    await widget.screenshot("widget-attachment-refused.png")
    # an accepted file to the bot: kept, and the bot says honestly it can't read it
    await files.set_input_files(picked("screenshot.png", "image/png", png()))
    await expect(widget.rows("visitor").last.locator("img.thumb")).to_be_visible()
    await expect(widget.rows("bot").last).to_contain_text("can't open files")
    await expect(widget.button("Talk to a person")).to_be_visible()


async def test_transcript_by_email_from_the_closed_chat(isolated, new_context, make_agent, smtp) -> None:
    smtp_port, inbox = smtp
    url, redis_url = isolated(SMTP_PORT=str(smtp_port), SMTP_FROM="box@lantern.example")
    agent = AgentClient(url)
    await agent.connect(*make_agent("tickets_billing", redis_url=redis_url))
    widget = await Widget.load(await new_context(), url)
    await widget.open()
    await widget.say("what are your opening hours?")
    await expect(widget.rows("bot")).to_have_count(1)
    conversation_id = await widget.hand_over()
    await agent.must("claim", {"conversation_id": conversation_id})
    await agent.must("reply", {"conversation_id": conversation_id,
                               "text": "Hi, the box office opens at noon."})
    mail = widget.q("form.mail")
    await expect(mail).to_be_hidden()  # offered only at the end
    await agent.must("close", {"conversation_id": conversation_id})
    await expect(mail).to_be_visible()
    await mail.locator("input").fill("kim@example.org")
    await mail.locator("button").click()
    await expect(mail.locator(".hint")).to_have_text("Sent to kim@example.org.")
    await widget.screenshot("widget-transcript-email.png")
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    body = message.get_payload(decode=True).decode()
    assert recipients == ["kim@example.org"] and message.get_content_type() == "text/plain"
    for line in ("You: what are your opening hours?", "Hi, the box office opens at noon.",
                 "This chat has been closed."):
        assert line in body, body
    await agent.close()


async def test_agent_file_reaches_stock_rasa_webchat_as_a_link(stack, new_context, make_agent) -> None:
    boss = AgentClient(stack.bridge_url)
    await boss.connect(*make_agent("general", role="supervisor"))
    watched = Watched(await (await new_context()).new_page())
    page = watched.page
    await page.goto(stack.bridge_url + "/webchat")
    await page.locator(".rw-launcher").click()
    await page.locator(".rw-new-message").fill("I want to talk to a person")
    await page.locator(".rw-new-message").press("Enter")
    await page.locator(".rw-reply", has_text="General").click()
    handoff = await boss.seen.wait_for("handoff", timeout=60)
    conversation_id = handoff["conversation"]["id"]
    await boss.must("claim", {"conversation_id": conversation_id})
    status, body = await upload(stack.bridge_url, boss.token, PDF, "tickets.pdf", agent=True,
                                conversation_id=conversation_id)
    assert status == 200, body
    link = page.locator(".rw-response a", has_text="tickets.pdf")
    await expect(link).to_have_attribute("href", re.compile(r"^http://127\.0\.0\.1:\d+/attachments/"))
    await watched.screenshot("webchat-attachment.png")
    await boss.close()



async def test_the_widget_on_a_customer_site_sends_files_cross_origin(isolated, new_context,
                                                                      tmp_path) -> None:
    """The widget embedded on another origin (listed in ALLOWED_ORIGINS) uploads with CORS (a
    preflight for the Authorization header) and shows the file; an unlisted site is refused."""
    import functools
    import http.server
    import threading

    from stack import free_port

    port = free_port()
    site = f"http://127.0.0.1:{port}"
    url, _ = isolated(ALLOWED_ORIGINS=site)
    (tmp_path / "index.html").write_text(
        f'<!doctype html><title>Shop</title><h1>Shop</h1><script src="{url}/widget.js" async></script>')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        widget = Widget(await (await new_context()).new_page())
        await widget.page.goto(site + "/")
        await expect(widget.launcher).to_be_visible()
        await widget.open()
        await widget.say("hello")
        await expect(widget.rows("bot")).to_have_count(1)
        await widget.q("input[type=file]").set_input_files(picked("shot.png", "image/png", png()))
        thumb = widget.rows("visitor").last.locator("img.thumb")
        await expect(thumb).to_be_visible()
        assert await loaded(thumb)
        assert not widget.errors
    finally:
        server.shutdown()
    import aiohttp

    async with aiohttp.ClientSession() as http_client:
        form = aiohttp.FormData()
        form.add_field("file", png(), filename="x.png")
        async with http_client.post(url + "/api/attachments", data=form, headers={
                "Origin": "https://elsewhere.example", "Authorization": "Bearer " + "x" * 32}) as response:
            assert response.status == 403 and "Access-Control-Allow-Origin" not in response.headers
            assert (await response.json())["error"]["code"] == "forbidden_origin"
