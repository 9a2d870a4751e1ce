"""Headless Chromium for the browser tests, which all live under ``tests/web``.

The launch is in ``tests/browser.py``; these fixtures give a test the browser, a back-office
page or a phone. (``tests/channels`` has fixtures named ``phone`` of its own: the young
person's SMS or WhatsApp phone.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.browser import DESKTOP, TIMEOUT_MS, launch_chromium, new_phone


@pytest.fixture(name="chromium")
async def _chromium() -> AsyncIterator[Any]:
    """Headless Chromium for one test (``tests/browser.py``); skips where it is not installed."""
    async with launch_chromium() as browser:
        yield browser


@pytest.fixture(name="browser_page")
async def _browser_page(chromium: Any) -> AsyncIterator[Any]:
    """A page the size of a computer's screen (1280 x 800), in French: the back office's."""
    context = await chromium.new_context(viewport=DESKTOP, locale="fr-FR")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    await context.close()


@pytest.fixture(name="phone")
async def _phone(chromium: Any) -> AsyncIterator[Any]:
    """A browser context the size of a phone (390 x 844), French, with touch: the web chat's."""
    context = await new_phone(chromium)
    yield context
    await context.close()
