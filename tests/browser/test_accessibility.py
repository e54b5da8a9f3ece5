"""axe-core (installed with the widget's npm packages, injected from disk) finds no serious or
critical problem in the widget or the console, in light and dark mode."""

from __future__ import annotations

import json

from playwright.async_api import Page, expect

from stack import ROOT
from webui import Console, Widget

AXE = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"


async def serious_problems(page: Page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate("""async () => {
        const result = await axe.run(document, { resultTypes: ["violations"] });
        return result.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                         nodes: v.nodes.slice(0, 3).map((n) => n.target) }));
    }""")


async def test_widget_and_console_pass_axe(stack, new_context, make_agent) -> None:
    for scheme in ("light", "dark"):
        context = await new_context(bypass_csp=True, color_scheme=scheme)  # to inject axe
        widget = await Widget.load(context, stack.bridge_url)
        await widget.open()
        await widget.say("are you a bot?")
        await expect(widget.button("Talk to a person")).to_be_visible()
        problems = await serious_problems(widget.page)
        assert not problems, scheme + " widget: " + json.dumps(problems, indent=1)

        conversation_id = await widget.hand_over(via=widget.button("Talk to a person"))
        name, password = make_agent("tickets_billing", display_name="Ari")
        console = await Console.login(context, stack.bridge_url, name, password)
        await expect(console.queue_item(conversation_id)).to_be_visible()
        await console.claim(conversation_id)
        problems = await serious_problems(console.page)
        assert not problems, scheme + " console: " + json.dumps(problems, indent=1)
        if scheme == "dark":
            await console.screenshot("console-dark.png")
