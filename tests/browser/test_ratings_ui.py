"""Visitors rate a person's chat after it closes; Insights shows the ratings per week,
department and agent, each agent their own departments' only (a supervisor all)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from webui import Console, Widget


async def served_and_rated(stack, new_context, console: Console, department: str,
                           title: str) -> None:
    widget = await Widget.load(await new_context(), stack.bridge_url)
    await widget.open()
    await widget.say("hello")
    chat = await console.claim(await widget.hand_over(department))
    await chat.get_by_role("button", name="Close chat").click()
    await expect(chat.locator(".state")).to_have_text("Closed")
    await widget.button(title).click()
    await expect(widget.rows().last).to_contain_text("Thank you for your feedback")
    await expect(chat.locator(".details")).to_contain_text("Rating")
    assert not widget.errors


def by_agent(page: Page, display_name: str):
    return page.locator("#ratings figure", has_text="By agent").locator(
        "tbody tr", has=page.locator("th", has_text=display_name))


async def insights(console: Console) -> Page:
    page = console.page
    await page.get_by_role("button", name="Insights").click()
    await expect(page.locator("#ratings")).to_be_visible()
    return page


async def test_ratings_in_insights_keep_departments_apart(stack, new_context, make_agent) -> None:
    alex = await Console.login(await new_context(), stack.bridge_url,
                               *make_agent("tickets_billing", display_name="Alexis Ratings"))
    wes = await Console.login(await new_context(), stack.bridge_url,
                              *make_agent("website_technical", display_name="Wesley Ratings"))
    boss = await Console.login(await new_context(), stack.bridge_url,
                               *make_agent("general", role="supervisor"))
    await served_and_rated(stack, new_context, alex, "Tickets & billing", "Great")
    await served_and_rated(stack, new_context, wes, "Website & technical", "OK")

    page = await insights(alex)
    await expect(by_agent(page, "Alexis Ratings").locator("td")).to_have_text(
        ["1", "3.00", "1", "0", "0"])
    await expect(by_agent(page, "Wesley Ratings")).to_have_count(0)
    departments = page.locator("#ratings figure", has_text="By department")
    await expect(departments.locator("tbody th")).to_have_text(["Tickets & billing"])
    await alex.screenshot("console-ratings.png", full_page=True)

    page = await insights(wes)
    await expect(by_agent(page, "Wesley Ratings").locator("td")).to_have_text(
        ["1", "2.00", "0", "1", "0"])
    await expect(by_agent(page, "Alexis Ratings")).to_have_count(0)

    page = await insights(boss)
    await expect(by_agent(page, "Alexis Ratings")).to_have_count(1)
    await expect(by_agent(page, "Wesley Ratings")).to_have_count(1)
    assert not alex.errors and not wes.errors and not boss.errors
