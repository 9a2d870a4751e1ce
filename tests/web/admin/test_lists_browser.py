"""The contact-list pages in headless Chromium: import a CSV, read the refused lines and the
message as it will go, start the campaign and pause it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import ScheduledMessage
from tests.browser import sign_in
from tests.conftest import make_settings
from tests.core.contact_lists.conftest import csv_of, person
from tests.web.admin.conftest import EMAILS
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser


@pytest.fixture(name="services")
async def _services(tmp_path: Path, embedded_nlu: NluBackend) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


async def test_outreach_staff_import_preview_start_and_pause_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Sign in, open Listes, import a file with a bad line, read the preview, start, pause."""
    page = browser_page
    await sign_in(page, base_url, EMAILS["olga"])
    await page.get_by_role("link", name="Listes").click()
    await page.get_by_role("heading", name="Listes d'aller-vers").wait_for()

    await page.get_by_label("Nom de la liste").fill("SIEI novembre")
    await page.get_by_label("Obligation de formation (16-18 ans)").check()
    await page.get_by_label("Fichier CSV").set_input_files(
        {
            "name": "siei.csv",
            "mimeType": "text/csv",
            "buffer": csv_of([person(1), person(2), person(3, born="01/01/1990")]),
        }
    )
    await page.get_by_role("button", name="Importer").click()
    await page.get_by_text("jeune(s) importé(s)").wait_for()
    report = await page.locator("#report").inner_text()
    assert "2 jeune(s) importé(s), 1 ligne(s) non importée(s)" in report
    assert "âge hors du public (16-25 ans)" in report
    preview = await page.locator("#preview blockquote").inner_text()
    assert preview.startswith("Bonjour Léa, ici la Mission Locale du Nord Meusien")
    assert "03 29 00 00 00" in preview
    await _screenshot(page, "lists-import", 360, 740)

    await page.get_by_role("button", name="Lancer la campagne").click()
    await page.get_by_text("Campagne lancée : 2 message(s) prévu(s)").wait_for()
    assert await page.locator("#list-status").inner_text() == "En cours"
    await page.get_by_role("button", name="Mettre en pause").click()
    await page.get_by_text("Campagne en pause").wait_for()
    assert await page.locator("#list-status").inner_text() == "En pause"
    await page.get_by_role("button", name="Reprendre").wait_for()
    async with services.sessions() as session:
        statuses = set(await session.scalars(select(ScheduledMessage.status)))
    assert "pending" not in statuses  # what had not left is held back
    await _screenshot(page, "lists-paused", 1280, 800)
