"""axe-core (installed with the widget's npm packages, injected from disk) finds no serious or
critical problem in the widget or the console, in light and dark mode; and some rules of lesser
impact, which that filter would let through, pass outright: the page has a level-one heading
(also the signed-in console, whose sign-in form with its h1 is hidden), and every role is
allowed on its element with the children it needs (the console's tabs and tab panels)."""

from __future__ import annotations

from playwright.async_api import expect

from webui import AXE, MUST_PASS, SCREENSHOTS, Console, Widget, audit, check


async def test_widget_and_console_pass_axe(stack, new_context, make_agent) -> None:
    for scheme in ("light", "dark"):
        context = await new_context(bypass_csp=True, color_scheme=scheme)  # to inject axe
        widget = await Widget.load(context, stack.bridge_url)
        await widget.open()
        await widget.say("are you a bot?")
        await expect(widget.button("Talk to a person")).to_be_visible()
        check(f"{scheme} widget", *await audit(widget.page),
              applies=("page-has-heading-one", "aria-allowed-role"))

        conversation_id = await widget.hand_over(via=widget.button("Talk to a person"))
        name, password = make_agent("tickets_billing", display_name="Ari")
        console = await Console.login(context, stack.bridge_url, name, password)
        await expect(console.queue_item(conversation_id)).to_be_visible()
        await console.claim(conversation_id)  # a tab and its panel are on show
        await expect(console.page.get_by_role("heading", level=1)).to_have_count(1)
        check(f"{scheme} console", *await audit(console.page), applies=MUST_PASS)
        if scheme == "dark":
            (SCREENSHOTS / "console-dark.png").unlink(missing_ok=True)
            await console.screenshot("console-dark.png")
            assert (SCREENSHOTS / "console-dark.png").stat().st_size > 0


async def test_console_with_a_chat_previewed_has_no_axe_violation_at_all(stack, new_context,
                                                                          make_agent) -> None:
    """A chat open that is not mine shows its "close this tab" button: no violation of any
    impact, not even minor ones (a button inside the tab list was a critical one)."""
    context = await new_context(bypass_csp=True)
    widget = await Widget.load(context, stack.bridge_url)
    await widget.open()
    conversation_id = await widget.hand_over()
    name, password = make_agent("tickets_billing", display_name="Ari")
    console = await Console.login(context, stack.bridge_url, name, password)
    await console.queue_item(conversation_id).get_by_role("button", name="Preview").click()
    close = console.page.get_by_role("button", name="Close this tab")
    await expect(close).to_be_visible()
    await console.page.add_script_tag(path=str(AXE))
    violations = await console.page.evaluate("""async () => (await axe.run(document))
        .violations.map((v) => ({ id: v.id, impact: v.impact,
                                  nodes: v.nodes.slice(0, 3).map((n) => n.target) }))""")
    assert violations == [], violations
    await close.click()
    await expect(console.chat(conversation_id)).to_have_count(0)
