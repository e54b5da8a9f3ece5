"""Page objects for the browser tests: the visitor widget (in its shadow root) and the console;
and the axe-core audit (test_accessibility.py says what it checks)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
W = "#frontdesk-widget"  # the widget's host element; Playwright's CSS pierces its shadow root
AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
MUST_PASS = ("page-has-heading-one", "aria-required-children", "aria-allowed-role")


async def audit(page: Page) -> tuple[list[dict], dict[str, str]]:
    """The serious or critical violations, and the outcome of each rule of MUST_PASS."""
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate("""async (rules) => {
        const result = await axe.run(document, { resultTypes: ["violations", "passes"] });
        const outcome = {};
        for (const kind of ["violations", "passes", "incomplete", "inapplicable"]) {
          for (const r of result[kind]) if (rules.includes(r.id)) outcome[r.id] = kind;
        }
        const serious = result.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map((n) => n.target) }));
        return [serious, outcome];
    }""", list(MUST_PASS))


def check(where: str, serious: list[dict], outcome: dict[str, str], applies: tuple[str, ...]) -> None:
    assert not serious, where + ": " + json.dumps(serious, indent=1)
    for rule in MUST_PASS:
        expected = "passes" if rule in applies else ("passes", "inapplicable")
        assert outcome.get(rule) in expected, f"{where}: {rule} {outcome.get(rule)}"


class Watched:
    """A page whose JavaScript dialogs and uncaught errors are recorded (and dialogs dismissed)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    async def screenshot(self, name: str, **options: Any) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        await self.page.screenshot(path=str(path), **options)
        return path


class Widget(Watched):
    """Frontdesk's visitor widget on the demo page."""

    @classmethod
    async def load(cls, context: BrowserContext, base_url: str, path: str = "/") -> Widget:
        widget = cls(await context.new_page())
        await widget.page.goto(base_url + path)
        await expect(widget.launcher).to_be_visible()
        return widget

    def q(self, selector: str) -> Locator:
        return self.page.locator(f"{W} {selector}")

    @property
    def launcher(self) -> Locator:
        return self.q(".launch")

    @property
    def panel(self) -> Locator:
        return self.q(".panel")

    @property
    def input(self) -> Locator:
        return self.q(".composer textarea")

    def rows(self, kind: str = "") -> Locator:
        return self.q(f".row{'.' + kind if kind else ''}")

    def button(self, title: str) -> Locator:
        return self.q(f".replies button:text-is('{title}')")

    async def open(self) -> None:
        if not await self.panel.is_visible():
            await self.launcher.click()
        await expect(self.panel).to_be_visible()

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")
        await expect(self.rows("visitor").last).to_contain_text(text[:40])

    @property
    def person_button(self) -> Locator:
        """The one "Talk to a person" on show: the footer's, or the latest message's."""
        return self.q(".actions .person:visible, "
                      ".replies button[data-payload='/human_handoff']:visible").last

    async def session_id(self) -> str:
        """The conversation id (what staff see; the resume secret stays in the widget)."""
        return await self.page.evaluate(
            "() => JSON.parse(localStorage.getItem('frontdesk:' + location.origin)).conversation"
        )

    async def hand_over(self, department: str = "Tickets & billing", via: Locator | None = None) -> str:
        """Ask for a person (the footer button, or `via`), pick a department if asked; returns
        the conversation id."""
        choice = self.button(department)
        waiting = self.q(".queue:not([hidden]), form.leave:not([hidden])")
        if not (await choice.is_visible() or await waiting.first.is_visible()):  # not handed over yet
            await (via or self.person_button).click()
        await choice.or_(waiting).first.wait_for()
        if await choice.is_visible():
            await choice.click()
        await waiting.first.wait_for()
        return await self.session_id()


class Console(Watched):
    """The agent console at /console."""

    @classmethod
    async def login(cls, context: BrowserContext, base_url: str, name: str, password: str,
                    query: str = "") -> Console:
        console = cls(await context.new_page())
        page = console.page
        await page.goto(base_url + "/console" + query)
        await page.fill("#login-name", name)
        await page.fill("#login-password", password)
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#me-name")).not_to_be_empty()
        return console

    def queue_item(self, conversation_id: str) -> Locator:
        return self.page.locator(f".q-item[data-conversation='{conversation_id}']")

    def chat(self, conversation_id: str) -> Locator:
        return self.page.locator(f"section.chat[data-conversation='{conversation_id}']")

    async def claim(self, conversation_id: str) -> Locator:
        await self.queue_item(conversation_id).get_by_role("button", name="Claim").click()
        chat = self.chat(conversation_id)
        await expect(chat).to_be_visible()
        await expect(chat.locator(".state")).to_have_text("Yours")
        return chat

    async def reply(self, conversation_id: str, text: str) -> None:
        box = self.chat(conversation_id).locator("form.reply textarea")
        await box.fill(text)
        await box.press("Enter")
        await expect(self.chat(conversation_id).locator(".msg.agent").last).to_contain_text(text[:40])
