"""The urgent alert nobody can miss, in headless Chromium on a phone and on a desktop screen.

Uses the real server and Debian's chromium like ``test_browser.py`` (whose fixtures these
are). The browser's Notification API is replaced by a recorder before any page script runs:
headless Chromium shows no notification, and the test must see what would have been shown.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from outreach_bot.core.services import Services
from tests.browser import sign_in
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS, make_lead
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    LiveClient,
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser

RECORD_NOTIFICATIONS = """
window.__asked = 0;
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push({ title, body: options.body }); }
  static get permission() { return localStorage.getItem("fake-permission") || "default"; }
  static requestPermission() {
    window.__asked += 1;
    localStorage.setItem("fake-permission", "granted");
    return Promise.resolve("granted");
  }
};
"""


@pytest.mark.parametrize("size", [(390, 844), (1366, 800)], ids=["phone", "desktop"])
async def test_an_urgent_alert_reaches_a_counsellor_on_any_page(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """Léa allows notifications once and turns the sound on; on her own account page a young
    person writes that they want to die: a red banner says "Idées suicidaires" with a link
    straight to the lead, the tab title counts it, a notification (no name, no words) and a
    sound go off. The lead shows the young person's words first; taking it ends the alert."""
    await make_lead(services, first_name="Ancien")
    page = browser_page
    await page.context.add_init_script(RECORD_NOTIFICATIONS)
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.get_by_role("button", name="Activer les notifications").click()
    assert await page.evaluate("window.__asked") == 1
    await page.get_by_role("button", name="Son des urgences : désactivé").click()
    await page.get_by_role("button", name="Son des urgences : activé").wait_for()
    await page.reload()
    await page.get_by_role("heading", name="File des contacts").wait_for()
    assert not await page.get_by_role("button", name="Activer les notifications").is_visible()

    await page.get_by_role("link", name="Mon compte").click()
    await page.get_by_role("heading", name="Mon compte").wait_for()
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")
    title = await page.title()
    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender=f"alert-{size[0]}")  # type: ignore[arg-type]
        await chat.say("je veux mourir")
    alert = page.locator("#urgent-alerts")
    link = alert.get_by_role("link", name="Idées suicidaires")
    await link.wait_for()
    assert "Un contact urgent attend" in await alert.inner_text()
    assert await page.title() == f"(1) {title}"
    background = await alert.evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(176, 0, 32)"
    await page.wait_for_function("window.__notes.length === 1")
    assert await page.evaluate("window.__notes") == [
        {"title": "Contact urgent", "body": "Idées suicidaires"}
    ]
    assert await page.evaluate("document.body.dataset.alertSounds") == "1"
    await _screenshot(page, "alert-on-account-page", *size)

    await page.get_by_role("link", name="File").first.click()
    card = page.locator("#queue .card").first
    assert await card.locator(".name").inner_text() == "Idées suicidaires"
    assert "« je veux mourir »" in await card.locator(".words").inner_text()
    await _screenshot(page, "alert-queue", *size)

    await page.locator("#urgent-alerts").get_by_role("link", name="Idées suicidaires").click()
    await page.get_by_text("Urgent · Idées suicidaires").wait_for()
    assert "je veux mourir" in await page.locator("#transcript").inner_text()
    assert (
        "Non renseigné : téléphone, âge, commune." in await page.locator(".p-contact").inner_text()
    )
    assert "—" not in await page.locator(".p-contact").inner_text()
    await _screenshot(page, "alert-lead", *size)
    await page.get_by_role("button", name="Prendre en charge").first.click()
    await page.get_by_text("Contact pris en charge.").wait_for()
    assert await page.locator("#urgent-alerts").is_hidden()
    assert not (await page.title()).startswith("(")
