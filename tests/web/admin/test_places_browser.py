"""The places page in headless Chromium: staff add a permanence, the bot gives it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from outreach_bot.core.services import Services
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS, PASSWORD
from tests.web.admin.test_browser import (  # noqa: F401 - the fixtures are used by name
    LiveClient,
    _base_url,
    _browser_page,
    _screenshot,
)

pytestmark = pytest.mark.browser


async def test_outreach_staff_add_a_permanence_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Sign in, open Lieux from the menu, add a permanence; the bot names it when asked."""
    page = browser_page
    await page.goto(f"{base_url}/admin/login")
    await page.get_by_label("E-mail").fill(EMAILS["olga"])
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
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
