"""The queue, the lead log, the Quality page and the funder's menu in headless Chromium.

Uses the real server and Debian's chromium like ``test_browser.py`` (whose fixtures these
are); screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import UnderstoodGap
from tests.browser import sign_in
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS, PASSWORD, make_lead
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    LiveClient,
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser


async def _queue_names(page: Any) -> list[str]:
    names: list[str] = await page.locator("#queue .card .name").all_inner_texts()
    return names


async def test_crisis_from_a_campaign_shows_the_live_banner_to_its_sectors_counsellor(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Léa (Nord Meusien) has her queue open; a young person who came from a Nord Meusien
    poster writes that they want to die: the banner and the urgent card appear at once."""
    await create_campaign(services.sessions, "FORUM55", name="Forum Verdun", sector="nord-meusien")
    await make_lead(services, first_name="Ancien")
    page = browser_page
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender="browser-crisis-1")  # type: ignore[arg-type]
        await chat.say("/start FORUM55")
        await chat.say("je veux mourir")
        assert "3114" in chat.text()

    banner = page.locator("#live-banner")
    await banner.get_by_text("Contact urgent").wait_for()
    first = page.locator("#queue .card").first
    await first.locator(".badge-urgent").wait_for()
    assert await _queue_names(page) == ["Idées suicidaires", "Ancien"]
    await _screenshot(page, "queue-urgent-banner", 1280, 800)


async def test_queue_is_urgent_then_newest_and_the_log_names_buttons(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """With twenty older leads open, a new one arrives live right after the urgent one (not
    21st), stays there after a reload, and its log reads « Corriger », not "Non"."""
    await make_lead(services, first_name="Urgence", urgent=True)
    for number in range(1, 21):
        await make_lead(services, first_name=f"Ancien{number:02d}")
    page = browser_page
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")
    assert (await _queue_names(page))[:2] == ["Urgence", "Ancien20"]

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender="browser-young-order")  # type: ignore[arg-type]
        await run_full_lead(chat)
    card = page.locator("#queue .card", has=page.get_by_role("link", name="Léa", exact=True))
    await card.wait_for()
    assert (await _queue_names(page))[:3] == ["Urgence", "Léa", "Ancien20"]
    await page.reload()
    names = await _queue_names(page)
    assert names[:3] == ["Urgence", "Léa", "Ancien20"]
    assert names[-1] == "Ancien01"
    await page.locator("details.filters summary").click()
    assert await page.get_by_label("Ordre").input_value() == "newest"
    await _screenshot(page, "queue-newest-first", 1280, 800)
    await page.get_by_label("Ordre").select_option("oldest")
    await page.locator(".filter-form").get_by_role("button", name="Filtrer").click()
    await page.wait_for_url("**order=oldest**")
    assert (await _queue_names(page))[:2] == ["Urgence", "Ancien01"]
    assert (await _queue_names(page))[-1] == "Léa"
    await page.goto(f"{base_url}/admin/")

    await page.get_by_role("link", name="Léa", exact=True).click()
    log = page.locator("#transcript")
    await log.get_by_text("a choisi le bouton « Corriger »").wait_for()
    assert await log.get_by_text("a choisi le bouton « Le matin »").count() == 1
    text = await log.inner_text()
    assert "/deny" not in text
    assert "« Non »" not in text
    await log.get_by_text("a choisi le bouton « Corriger »").scroll_into_view_if_needed()
    await _screenshot(page, "lead-log-buttons", 1280, 800)


async def test_quality_label_dropdown_is_readable(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """The label list names every intent in the counsellors' words, one per line, and the
    closed dropdown shows a whole label, on a computer and on a phone."""
    async with services.sessions.begin() as session:
        session.add_all(
            [
                UnderstoodGap(text="jsp koi faire de ma vie", guess="greet", confidence=0.31),
                UnderstoodGap(text="c koi le truc pour les papiers", guess=None, confidence=None),
            ]
        )
    page = browser_page
    await sign_in(page, base_url, EMAILS["lea"])
    await page.goto(f"{base_url}/admin/quality")
    select = page.get_by_label("Le jeune voulait dire").first
    await select.select_option("leaving_care")
    box = await select.bounding_box()
    shown = await select.evaluate("s => s.options[s.selectedIndex].text")
    fits = await select.evaluate("s => s.scrollWidth <= s.clientWidth")
    assert shown == "Sortie de l'ASE, jeune majeur"
    assert fits, "the chosen label is cut off"
    assert box is not None
    assert box["height"] >= 44
    await _screenshot(page, "quality-labels", 1280, 800)
    await _screenshot(page, "quality-labels", 360, 740)
    await page.set_viewport_size({"width": 1280, "height": 800})
    # Headless Chromium draws no popup in screenshots: open the list in place to look at it.
    await select.evaluate("s => { s.size = s.options.length; }")
    await _screenshot(page, "quality-labels-open", 1280, 800)


async def test_funders_menu_shows_only_the_figures(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """A funder signs in and lands on the figures; the menu offers nothing else."""
    await add_user(services.sessions, "financeur@example.org", role="funder", password=PASSWORD)
    page = browser_page
    await sign_in(page, base_url, "financeur@example.org")
    await page.get_by_role("heading", name="Chiffres du réseau").wait_for()
    menu = page.get_by_role("navigation", name="Menu principal")
    assert await menu.get_by_role("link").all_inner_texts() == ["Chiffres", "Mon compte"]
    assert await menu.get_by_role("button").all_inner_texts() == ["Déconnexion"]
    await _screenshot(page, "funder-figures", 1280, 800)
    await page.goto(f"{base_url}/admin/campaigns")
    assert "Accès refusé" in await page.content()
