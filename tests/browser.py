"""Headless Chromium for the browser tests: Debian's build, driven by Playwright.

Playwright is pointed at ``/usr/bin/chromium`` (``apt-get install chromium``) through
``executable_path`` and never downloads a browser (no ``playwright install``). Where it is
absent the test skips and says why. The fixtures built on this (``chromium``, ``browser_page``
for the back office, ``phone`` for the web chat) are in ``tests/web/conftest.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

import pytest

from tests.web.admin.conftest import PASSWORD

CHROMIUM: Final = Path("/usr/bin/chromium")
ARTIFACTS: Final = Path(__file__).resolve().parents[1] / "test-artifacts"
"""Where the browser tests leave their screenshots (and axe-core its findings), to look at."""
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--headless",
]
TIMEOUT_MS: Final = 15_000
"""Long enough for a page under CI's load; a step that never comes fails in seconds, not 30."""
DESKTOP: Final = {"width": 1280, "height": 800}
"""The back office on a computer: ``browser_page``'s size."""
PHONE: Final = {"width": 390, "height": 844}
"""A young person's phone: the ``phone`` context's size."""


@contextlib.asynccontextmanager
async def launch_chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, closed afterwards; skips the test when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium"
        )
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Fill in the back office's sign-in form and send it, as a person does; the caller waits
    for what should come next (the queue, an error, the page asked for)."""
    await page.goto(f"{base_url}/admin/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Mot de passe").fill(password)
    await page.get_by_role("button", name="Se connecter").click()


async def new_phone(browser: Any, *, locale: str = "fr-FR") -> Any:
    """A browser context the size of a phone (:data:`PHONE`), with touch, in ``locale``."""
    context = await browser.new_context(viewport=PHONE, locale=locale, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context
