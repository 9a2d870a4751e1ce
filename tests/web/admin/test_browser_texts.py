"""The review page of the texts per language ("Textes") in headless Chromium.

A coordinator reviews a drafted Arabic text with an interpreter: corrects it, approves it in
the interpreter's name, sees it marked reviewed; a correction that drops an emergency number is
refused and nothing is stored; the approval is in service at once. Uses the real
server and Debian's chromium like ``test_browser.py`` (whose fixtures these are).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.content import ReviewState
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import TextReview
from tests.browser import sign_in
from tests.web.admin.conftest import EMAILS, PASSWORD
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)

pytestmark = pytest.mark.browser

KEY = "messages.ask_age"
CORRECTED = "شكرا! كم عمرك؟ اكتب عمرك بالأرقام."


async def test_a_coordinator_corrects_and_approves_an_arabic_draft(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """The languages table leads to the Arabic drafts; a corrected text approved in an
    interpreter's name shows as reviewed, the running bot says it at once, and so does the
    next start."""
    page = browser_page
    await sign_in(page, base_url, EMAILS["coordinator"])
    await page.get_by_role("link", name="Textes").click()
    await page.get_by_role("heading", name="Textes par langue").wait_for()
    row = page.locator("tr", has_text="arabe")
    assert "العربية" in await row.inner_text()
    await _screenshot(page, "texts-languages", 1280, 800)
    await row.get_by_role("link", name="arabe").click()
    card = page.locator(f'li[data-key="{KEY}"]')
    await card.wait_for()
    assert await card.get_attribute("data-state") == "draft"
    assert "Tu as quel âge" in await card.inner_text()  # the French, next to it
    await card.get_by_label("Texte").fill(CORRECTED)
    await card.get_by_label("Relu par").fill("Samira K., interprète (association Trait d'Union)")
    await card.get_by_role("button", name="Approuver").click()
    await page.get_by_text("approuvé : le bot le dit dès maintenant").wait_for()
    assert services.content.message("ask_age", "ar") == CORRECTED
    await page.goto(f"{base_url}/admin/texts/ar?show=reviewed")
    card = page.locator(f'li[data-key="{KEY}"]')
    assert await card.get_attribute("data-state") == "reviewed"
    assert "Samira K." in await card.inner_text()
    await _screenshot(page, "texts-arabic-reviewed", 1280, 800)

    async with services.sessions() as session:
        rows = list(await session.scalars(select(TextReview)))
    assert [(row.language, row.key, row.text) for row in rows] == [("ar", KEY, CORRECTED)]
    async with open_services(services.settings, nlu=services.nlu) as restarted:
        record = restarted.content.texts["ar"][KEY]
        assert (record.text, record.state) == (CORRECTED, ReviewState.REVIEWED)
        assert restarted.content.message("ask_age", "ar") == CORRECTED


async def test_a_correction_that_drops_an_emergency_number_is_refused(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """A Dari suicide text without 112 is refused with the reason, and nothing is stored; a
    counsellor sees the texts but cannot approve them."""
    page = browser_page
    await sign_in(page, base_url, EMAILS["coordinator"])
    await page.goto(f"{base_url}/admin/texts/prs?show=draft")
    card = page.locator('li[data-key="crisis.kinds.suicide"]')
    text = await card.get_by_label("Texte").input_value()
    await card.get_by_label("Texte").fill(text.replace("112", "پولیس"))
    await card.get_by_label("Relu par").fill("Interprète")
    await card.get_by_role("button", name="Approuver").click()
    error = page.locator(".flash-error")
    await error.wait_for()
    assert "does not write 112" in await error.inner_text()
    async with services.sessions() as session:
        assert list(await session.scalars(select(TextReview))) == []

    await page.get_by_role("button", name="Déconnexion").click()
    await sign_in(page, base_url, EMAILS["lea"])
    await page.goto(f"{base_url}/admin/texts/prs")
    await page.locator('li[data-key="crisis.kinds.suicide"]').wait_for()
    assert await page.get_by_role("button", name="Approuver").count() == 0


async def test_an_interpreter_with_a_reviewer_account_sees_only_the_texts(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """An interpreter signs in, lands on the Textes page with no queue or lead in the menu,
    approves a Pashto draft already signed in their name, and a lead page is refused."""
    await add_user(
        services.sessions,
        "nazir@example.org",
        role="reviewer",
        password=PASSWORD,
        display_name="Nazir, interprète pachto",
    )
    page = browser_page
    await sign_in(page, base_url, "nazir@example.org")
    await page.get_by_role("heading", name="Textes par langue").wait_for()
    menu = page.get_by_role("navigation", name="Menu principal")
    assert await menu.get_by_role("link").all_inner_texts() == ["Textes", "Mon compte"]
    await page.get_by_role("link", name="pachto").click()
    card = page.locator(f'li[data-key="{KEY}"]')
    await card.wait_for()
    assert await card.get_by_label("Relu par").input_value() == "Nazir, interprète pachto"
    await card.get_by_role("button", name="Approuver").click()
    await page.get_by_text("approuvé : le bot le dit dès maintenant").wait_for()
    await page.goto(f"{base_url}/admin/texts/ps?show=reviewed")
    card = page.locator(f'li[data-key="{KEY}"]')
    assert await card.get_attribute("data-state") == "reviewed"
    await _screenshot(page, "texts-reviewer-pashto", 1280, 800)
    assert services.content.texts["ps"][KEY].reviewed_by == "Nazir, interprète pachto"
    refused = await page.goto(f"{base_url}/admin/leads/1")
    assert refused is not None
    assert refused.status in {403, 404}
