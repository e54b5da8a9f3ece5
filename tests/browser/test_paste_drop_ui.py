"""Screenshots pasted from the clipboard and files dropped on the chat go through the paperclip's
path, with its checks: in the widget (paste into the message box, drop on the panel) and in the
console (paste into the reply box, drop on the chat)."""

from __future__ import annotations

import base64

from playwright.async_api import Locator, expect
from test_attachments import HTML, png

from webui import Console, Widget

# A file built in the page from base64, given to the target as a paste or as a drag and drop.
GIVE = """(target, [kind, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type }));
  const options = { bubbles: true, cancelable: true, composed: true };
  if (kind === "paste") {
    target.dispatchEvent(new ClipboardEvent("paste", { ...options, clipboardData: files }));
    return;
  }
  target.dispatchEvent(new DragEvent("dragover", { ...options, dataTransfer: files }));
  target.dispatchEvent(new DragEvent("drop", { ...options, dataTransfer: files }));
}"""


async def give(target: Locator, kind: str, name: str, mime: str, data: bytes) -> None:
    await target.evaluate(GIVE, [kind, name, mime, base64.b64encode(data).decode()])


async def test_pasted_and_dropped_images_reach_the_other_side(stack, new_context,
                                                              make_agent) -> None:
    console = await Console.login(await new_context(), stack.bridge_url,
                                  *make_agent("tickets_billing", display_name="Kai"))
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    chat = await console.claim(await widget.hand_over())

    # The visitor pastes a screenshot into the message box: the agent sees it.
    await give(widget.input, "paste", "image.png", "image/png", png(48, 30, (30, 120, 200)))
    await expect(widget.rows("visitor").last.locator("img.thumb")).to_be_visible()
    await expect(chat.locator(".msg.visitor img.thumb")).to_have_count(1)
    # ... and drops one on the panel.
    await give(widget.panel, "drop", "error.png", "image/png", png(30, 30, (200, 30, 30)))
    await expect(chat.locator(".msg.visitor img.thumb")).to_have_count(2)
    await expect(chat.locator(".msg.visitor .attachment").last).to_contain_text("error.png")
    # The same checks as the paperclip: HTML named .png is refused, nothing sent.
    await give(widget.panel, "drop", "evil.png", "image/png", HTML)
    await expect(widget.q("div.error")).to_contain_text("That kind of file can't be sent")
    await expect(chat.locator(".msg.visitor .attachment")).to_have_count(2)

    # The agent pastes into the reply box and drops on the chat: the visitor sees both.
    await give(chat.locator("form.reply textarea"), "paste", "image.png", "image/png",
               png(40, 40, (20, 160, 60)))
    await expect(widget.rows("agent").locator("img").first).to_be_visible()
    await give(chat.locator(".transcript"), "drop", "steps.png", "image/png", png(20, 20))
    await expect(widget.rows("agent").locator("img")).to_have_count(2)
    await give(chat.locator(".transcript"), "drop", "evil.png", "image/png", HTML)
    await expect(chat.locator("form.reply .error")).to_contain_text("That kind of file can't be sent")
    await expect(widget.rows("agent").locator("img")).to_have_count(2)
    assert not widget.errors and not console.errors
