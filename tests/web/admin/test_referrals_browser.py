"""Referrals in headless Chromium at phone size: the counsellor's section, the partner's link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from outreach_bot.config import Settings
from outreach_bot.core.services import Services
from tests.browser import ARTIFACTS, sign_in
from tests.conftest import make_settings
from tests.referrals import settle_referrals
from tests.smtp import Inbox
from tests.web.admin.conftest import EMAILS, make_lead
from tests.web.admin.test_browser import _base_url  # noqa: F401 - fixtures used by name
from tests.web.admin.test_referrals import add_partner

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LINK_RE = re.compile(r"/admin/orientation/[\w-]+")


@pytest.fixture(name="settings")
def _settings(tmp_path: Path, smtp: Inbox) -> Settings:
    return make_settings(tmp_path, **smtp.settings())


async def fits_the_screen(page: Any) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= PHONE["width"])


async def test_counsellor_proposes_and_partner_answers_on_a_phone(
    base_url: str, browser_page: Any, services: Services, smtp: Inbox
) -> None:
    """On a 360 px screen the counsellor proposes from the lead page; after the young person's
    yes the partner opens the e-mailed link, accepts and reports the outcome; the counsellor
    sees it on the lead page."""
    service_id = await add_partner(services)
    lead = await make_lead(services, channel="rest", sender="chromium-ines", first_name="Inès")
    page = browser_page
    await page.set_viewport_size(PHONE)
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("button", name="Déconnexion").wait_for()

    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    await page.get_by_label("Service").select_option(str(service_id))
    await page.get_by_label("Pourquoi").fill("Hébergée chez une amie jusqu'à vendredi.")
    await page.get_by_role("button", name="Proposer l'orientation").click()
    await page.get_by_text("Question envoyée au jeune").wait_for()
    assert "Accord demandé au jeune" in await page.locator(".p-referrals").inner_text()
    assert await fits_the_screen(page)
    await page.screenshot(path=str(ARTIFACTS / "referral-lead-360.png"), full_page=True)

    async with aiohttp.ClientSession() as http:
        yes = await http.post(
            f"{base_url}/webhooks/rest/webhook",
            json={"sender": "chromium-ines", "message": "oui"},
        )
        assert "je transmets" in (await yes.json())[0]["text"]
    await settle_referrals(services)
    link = LINK_RE.search(smtp.received[0].body())
    assert link is not None

    partner_context = await page.context.browser.new_context(viewport=PHONE, locale="fr-FR")
    try:
        partner = await partner_context.new_page()
        await partner.goto(base_url + link.group())
        await partner.get_by_text("Inès").wait_for()
        assert await fits_the_screen(partner)
        await partner.screenshot(path=str(ARTIFACTS / "referral-partner-360.png"), full_page=True)
        await partner.get_by_role("button", name="Accepter").click()
        await partner.get_by_text("votre réponse est enregistrée").wait_for()
        await partner.get_by_label("rencontré").check()
        await partner.get_by_role("button", name="Enregistrer le résultat").click()
        await partner.get_by_text("Acceptée par le partenaire · rencontré").wait_for()
        assert await fits_the_screen(partner)
    finally:
        await partner_context.close()

    await page.reload()
    section = await page.locator(".p-referrals").inner_text()
    assert "Acceptée par le partenaire" in section
    assert "rencontré" in section
