"""The People view: a supervisor adds a colleague, who signs in with the password shown once;
removing the colleague signs their open console out."""

from __future__ import annotations

import uuid

from playwright.async_api import expect

from stack import Stack
from webui import Console, audit, check


async def test_a_supervisor_adds_a_colleague_who_signs_in(stack: Stack, new_context,
                                                          make_agent) -> None:
    boss = await Console.login(await new_context(bypass_csp=True), stack.bridge_url,  # for axe
                               *make_agent("general", role="supervisor", display_name="Sam"))
    page = boss.page
    await page.locator("[data-view=people]").click()
    name = f"robin-{uuid.uuid4().hex[:6]}"
    await page.fill("#people-name", name)
    await page.fill("#people-display", "Robin <b>R</b>")  # shown as typed, never as HTML
    await page.select_option("#people-dept", "tickets_billing")
    await page.fill("#people-capacity", "2")
    await page.get_by_role("button", name="Add", exact=True).click()
    password = await page.locator("#people-secret").text_content()
    assert password and len(password) >= 16
    row = page.locator(f"tr[data-agent='{name}']")
    await expect(row).to_contain_text("Robin <b>R</b>")
    await expect(row).to_contain_text("Tickets & billing")
    await boss.screenshot("console-people-added.png")
    check("People view", *await audit(page), applies=("page-has-heading-one", "aria-allowed-role"))
    await page.get_by_role("button", name="Done").click()
    await expect(page.locator("#people-secret")).to_have_count(0)  # shown once

    robin = await Console.login(await new_context(), stack.bridge_url, name, password)
    await expect(robin.page.locator("#me-name")).to_have_text("Robin <b>R</b> · Tickets & billing")
    await expect(robin.page.locator("#people-tab")).to_be_hidden()  # agents have no People view

    await row.get_by_role("button", name="Remove Robin <b>R</b>").click()
    await row.get_by_role("button", name="Remove Robin <b>R</b>").click()  # "Confirm removal"
    await expect(row).to_have_count(0)
    await expect(robin.page.locator("#login-view")).to_be_visible()  # signed out at once
    assert not boss.errors and not robin.errors
