"""The places page in headless Chromium: staff add a permanence, the bot gives it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from outreach_bot.core.services import Services
from tests.browser import sign_in
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    LiveClient,
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser


async def test_outreach_staff_add_a_permanence_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Sign in, open Lieux from the menu, add a permanence; the bot names it when asked."""
    page = browser_page
    await sign_in(page, base_url, EMAILS["olga"])
    await page.get_by_role("link", name="Lieux").click()
    await page.get_by_role("heading", name="Lieux et permanences").wait_for()

    day = datetime.now(UTC).date() + timedelta(days=2)
    await page.get_by_label("Type").select_option("permanence")
    await page.get_by_label("Nom").fill("Permanence MiloMouv'")
    await page.get_by_label("Commune").fill("Stenay")
    await page.get_by_label("Adresse ou lieu").fill("Maison France Services")
    await page.get_by_label("Date (permanence ou événement)").fill(day.isoformat())
    await page.get_by_label("Horaires").fill("14h-17h")
    await page.get_by_role("button", name="Ajouter").click()
    await page.get_by_text("Lieu ajouté").wait_for()
    assert "Stenay" in await page.locator("table").inner_text()
    await _screenshot(page, "places", 360, 740)

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender="browser-young-places")  # type: ignore[arg-type]
        await chat.say("il y a une permanence à Stenay ?")
    lines = chat.last[0]["text"].splitlines()
    assert lines[0] == services.content.message("places_in_near", "fr", commune="Stenay")
    assert f"{day:%d/%m}, 14h-17h : Permanence MiloMouv', Maison France Services" in lines[1]


async def test_an_office_phone_days_and_walk_in_are_set_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """The office part of the form, filled by label on a phone-sized screen, answers the
    young person's "c'est ouvert le samedi ?" and "sans rendez-vous ?"."""
    page = browser_page
    await page.set_viewport_size({"width": 360, "height": 740})
    await sign_in(page, base_url, EMAILS["olga"])
    await page.get_by_role("link", name="Lieux").click()
    await page.get_by_label("Type").select_option("office")
    await page.get_by_label("Nom").fill("Mission Locale")
    await page.get_by_label("Commune").fill("Verdun")
    await page.get_by_label("Téléphone").fill("0329000000")
    await page.get_by_label("Samedi").fill("9h-12h")
    await page.get_by_label("Lundi").fill("9h-12h, 14h-17h")
    await page.get_by_label("Oui, on peut venir sans rendez-vous").check()
    await _screenshot(page, "places-office", 360, 740)
    await page.get_by_role("button", name="Ajouter").click()
    await page.get_by_text("Lieu ajouté").wait_for()
    assert "03 29 00 00 00" in await page.get_by_role("table").inner_text()

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender="browser-young-office")  # type: ignore[arg-type]
        await chat.say("c ouvert le samedi ?")
        assert "Mission Locale, Verdun : 9h-12h" in chat.text()
        await chat.say("on peut venir sans rdv ?")
        yes = services.content.message("place_walk_in_yes", "fr")
        assert f"Mission Locale, Verdun : {yes}" in chat.text()
