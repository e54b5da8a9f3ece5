"""Browser fixtures: one headless Chromium (Debian's, no download) for the whole session.

The bridge, Rasa and Redis come from the session `stack` fixture in tests/conftest.py.
A missing browser is a failure, never a skip: the UI would go untested without anyone noticing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, ViewportSize, async_playwright, expect

from webui import ARGS, CHROMIUM, DESKTOP

expect.set_options(timeout=30_000)  # Rasa on a small machine can take a few seconds


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it or set CHROMIUM_PATH.")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def new_context(browser: Browser):
    """Makes fresh browser contexts (separate storage: separate visitors); closes them after."""
    contexts: list[BrowserContext] = []

    async def make(viewport: ViewportSize = DESKTOP, **options) -> BrowserContext:
        context = await browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        await context.close()
