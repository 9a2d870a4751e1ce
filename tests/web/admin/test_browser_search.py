"""The queue's search and CSV export in headless Chromium, on a phone and on a desktop.

Uses the real server and Debian's chromium like ``test_browser.py`` (whose fixtures these
are); screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from outreach_bot.core.services import Services
from tests.browser import ARTIFACTS, sign_in
from tests.web.admin.conftest import EMAILS, make_lead
from tests.web.admin.test_browser import _base_url  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


async def _sign_in(page: Any, base_url: str, who: str) -> None:
    await sign_in(page, base_url, EMAILS[who])
    await page.get_by_role("heading", name="File des contacts").wait_for()


async def _shot(page: Any, name: str) -> None:
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
    await page.screenshot(path=str(path), full_page=True)


async def _names(page: Any) -> list[str]:
    names: list[str] = await page.locator("#queue .card .name").all_inner_texts()
    return names


async def _search(page: Any, typed: str) -> None:
    await page.get_by_label("Chercher un contact").fill(typed)
    await page.get_by_role("button", name="Chercher").click()
    await page.locator(".search-result").wait_for()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_a_counsellor_finds_etienne_by_typing_etienne(
    base_url: str, browser_page: Any, services: Services, size: dict[str, int]
) -> None:
    """Léa types « etienne » (no accent) in the search box and gets Étienne's card alone; his
    namesake of another sector stays out; a search of emoji says what to type; clearing the
    search brings the whole queue back."""
    await make_lead(services, first_name="Étienne", need="un logement près de la gare")
    await make_lead(services, first_name="Inès", need="du boulot dans la restauration")
    await make_lead(services, first_name="Étienne", sector="hors-secteur", need="un stage")
    page = browser_page
    await page.set_viewport_size(size)
    await _sign_in(page, base_url, "lea")
    search_box = page.get_by_label("Chercher un contact")
    box = await search_box.bounding_box()
    button = await page.get_by_role("button", name="Chercher").bounding_box()
    # The box and its button on one line, inside the screen, even on a phone.
    assert box is not None
    assert button is not None
    assert abs(box["y"] - button["y"]) < 10
    assert button["x"] + button["width"] <= size["width"]

    await _search(page, "etienne")
    assert await _names(page) == ["Étienne"]
    assert await page.locator(".search-result").inner_text() == (
        "1 contact pour «\xa0etienne\xa0» · Effacer la recherche"
    )
    assert await search_box.input_value() == "etienne"
    await _shot(page, "queue-search")

    await _search(page, "logements gare")
    assert await _names(page) == ["Étienne"]
    await _search(page, "😀 de")
    assert "Rien à chercher" in await page.locator(".search-result").inner_text()
    assert await _names(page) == []
    assert await page.get_by_role("link", name="Exporter ces contacts (CSV)").count() == 0
    await _shot(page, "queue-search-nothing")

    await page.get_by_role("link", name="Effacer la recherche").click()
    await page.locator("#queue .card").first.wait_for()
    assert sorted(await _names(page)) == ["Inès", "Étienne"]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_a_counsellor_downloads_her_search_as_csv(
    base_url: str, browser_page: Any, services: Services, size: dict[str, int], tmp_path: Path
) -> None:
    """After a search, « Exporter ces contacts (CSV) » downloads a French file of the leads
    listed, phones as dialled, formulas defused."""
    await make_lead(services, first_name="Étienne", need='=HYPERLINK("x") logement')
    await make_lead(services, first_name="Inès")
    page = browser_page
    await page.set_viewport_size(size)
    await _sign_in(page, base_url, "lea")
    await _search(page, "etienne")
    link = page.get_by_role("link", name="Exporter ces contacts (CSV)")
    await link.scroll_into_view_if_needed()
    await _shot(page, "queue-export")
    async with page.expect_download() as started:
        await link.click()
    download = await started.value
    assert download.suggested_filename.startswith("contacts-")
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / "contacts.csv"
    await download.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = rows[0]
    assert [row[header.index("Prénom")] for row in rows[1:]] == ["Étienne"]
    assert rows[1][header.index("Téléphone")] == "06 12 34 56 78"
    assert rows[1][header.index("Demande")] == '\'=HYPERLINK("x") logement'
