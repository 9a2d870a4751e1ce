"""The campaign and place forms in headless Chromium, at phone (390 × 844) and desktop size:
a weekly permanence, a campaign linked to it or creating its place, a past date refused with
everything typed still there. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from outreach_bot.core.outreach.places import team_today
from outreach_bot.core.services import Services
from outreach_bot.domain.places import french_day
from tests.browser import sign_in
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    LiveClient,
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1366, 768)}


async def _sign_in(page: Any, base_url: str, size: str) -> None:
    width, height = SIZES[size]
    await page.set_viewport_size({"width": width, "height": height})
    await sign_in(page, base_url, EMAILS["olga"])


async def _fits(page: Any, selector: str) -> None:
    """The form itself is no wider than the screen (only tables may scroll sideways)."""
    width = await page.evaluate("window.innerWidth")
    box = await page.locator(selector).bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width + 1


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_weekly_permanence_then_a_campaign_linked_to_it_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services, size: str
) -> None:
    """Lieux: "tous les mardis 14h-17h jusqu'au …" in one line, the bot gives next Tuesday.
    Campagnes: the same place is chosen from the list, not typed again; the landing page
    names the event."""
    page = browser_page
    await _sign_in(page, base_url, size)
    await page.goto(f"{base_url}/admin/places")
    await page.get_by_role("heading", name="Lieux et permanences").wait_for()
    today = team_today()
    until = today + timedelta(days=70)
    await page.get_by_label("Type").select_option("permanence")
    await page.get_by_label("Nom").fill("Permanence MiloMouv'")
    await page.get_by_label("Commune").fill("Stenay")
    await page.get_by_label("Adresse ou lieu").fill("Maison France Services")
    assert not await page.get_by_label("De", exact=True).is_visible()  # only once a day is chosen
    await page.get_by_label("Chaque semaine").select_option("tue")
    await page.get_by_label("De", exact=True).fill("14:00")
    await page.get_by_label("À", exact=True).fill("17:00")
    await page.get_by_label("Jusqu'au").fill(until.isoformat())
    await _fits(page, "form.stack")
    await _screenshot(page, f"places-weekly-form-{size}", *SIZES[size])
    await page.get_by_role("button", name="Ajouter").click()
    await page.get_by_text("Lieu ajouté").wait_for()
    table = await page.get_by_role("table").inner_text()
    assert f"tous les mardis, 14h-17h, jusqu'au {until:%d/%m/%Y}" in table
    await _screenshot(page, f"places-weekly-list-{size}", *SIZES[size])

    tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender=f"browser-weekly-{size}")  # type: ignore[arg-type]
        await chat.say("vous passez à stenay le mardi ?")
    assert f"{tuesday:%d/%m}, 14h-17h : Permanence MiloMouv'" in chat.text()

    await page.get_by_role("link", name="Campagnes").click()
    await page.get_by_label("Nom").fill("Permanence de Stenay")
    await page.get_by_label("Code").fill(f"PERM-{size.upper()}")
    await page.get_by_label("Date").fill(tuesday.isoformat())
    assert not await page.get_by_label("Adresse ou salle").is_visible()
    await page.get_by_label("Lieu", exact=True).select_option(
        label="Permanence MiloMouv', Maison France Services, Stenay · "
        f"tous les mardis, 14h-17h, jusqu'au {until:%d/%m/%Y}"
    )
    await _fits(page, "#new form")
    await _screenshot(page, f"campaign-linked-form-{size}", *SIZES[size])
    await page.get_by_role("button", name="Créer la campagne").click()
    await page.get_by_role("heading", name="Permanence de Stenay").wait_for()
    assert "Maison France Services, Stenay" in await page.locator("p.meta").inner_text()
    await _screenshot(page, f"campaign-linked-page-{size}", *SIZES[size])

    await page.goto(f"{base_url}/admin/campaigns")
    header = await page.locator("table thead").inner_text()
    assert all(word in header for word in ("Scans", "Conversations", "Demandes"))
    await _screenshot(page, f"campaign-list-{size}", *SIZES[size])
    await page.goto(f"{base_url}/q/PERM-{size.upper()}")
    event = await page.locator("p.event").inner_text()
    assert event == (
        f"Permanence de Stenay · {french_day(tuesday)} · Maison France Services, Stenay"
    )
    await _screenshot(page, f"landing-event-{size}", *SIZES[size])


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_past_date_is_refused_and_the_new_place_typed_comes_back_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services, size: str
) -> None:
    """A forum dated last week with a new place: refused in French beside the date, every
    field (the new place's too) still filled; corrected, it is created with its place."""
    page = browser_page
    await _sign_in(page, base_url, size)
    await page.goto(f"{base_url}/admin/campaigns")
    last_week = team_today() - timedelta(days=7)
    await page.get_by_label("Code").fill(f"FORUM-{size.upper()}")
    await page.get_by_label("Nom").fill("Forum jobs d'été")
    await page.get_by_label("Date").fill(last_week.isoformat())
    await page.get_by_label("Lieu", exact=True).select_option("new")
    await page.get_by_label("Commune").fill("Dun-sur-Meuse")
    await page.get_by_label("Adresse ou salle").fill("Salle polyvalente")
    await page.get_by_label("Horaires").fill("14h-18h")
    await page.get_by_role("button", name="Créer la campagne").click()
    error = page.locator(".field-error")
    await error.wait_for()
    assert await error.inner_text() == (
        f"Cette date est passée ({last_week:%d/%m/%Y}) : choisis aujourd'hui ou une date à venir."
    )
    assert await page.get_by_label("Nom").input_value() == "Forum jobs d'été"
    assert await page.get_by_label("Adresse ou salle").input_value() == "Salle polyvalente"
    assert await page.get_by_label("Horaires").input_value() == "14h-18h"
    assert await page.get_by_label("Date").input_value() == last_week.isoformat()
    await _fits(page, "#new form")
    await _screenshot(page, f"campaign-past-date-{size}", *SIZES[size])

    soon = team_today() + timedelta(days=10)
    await page.get_by_label("Date").fill(soon.isoformat())
    await page.get_by_role("button", name="Créer la campagne").click()
    await page.get_by_role("heading", name="Forum jobs d'été").wait_for()
    await page.get_by_role("link", name="Salle polyvalente, Dun-sur-Meuse").click()
    await page.get_by_role("heading", name="Forum jobs d'été").wait_for()
    assert await page.get_by_label("Date (permanence ou événement)").input_value() == (
        soon.isoformat()
    )
    await _screenshot(page, f"place-from-campaign-{size}", *SIZES[size])
