"""The back office in headless Chromium against the real server: a counsellor's whole shift.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``; see ``tests/browser.py``).
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from outreach_bot.app import create_web_app
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import CampaignScan
from tests.browser import ARTIFACTS, sign_in
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import REST_PATH, RestChat
from tests.web.admin.conftest import EMAILS, PASSWORD, Staff

pytestmark = pytest.mark.browser


class LiveClient:
    """Just enough of a test client for :class:`RestChat`, over real HTTP."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        response = await self.session.post(self.base + path, **kwargs)
        await response.read()
        return response


@pytest.fixture(name="base_url")
async def _base_url(services: Services, staff: Staff) -> AsyncIterator[str]:
    runner = web.AppRunner(create_web_app(services), shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def _screenshot(page: Any, name: str, width: int, height: int) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    await page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=True)


async def test_counsellor_shift_in_a_real_browser(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Log in, see a lead arrive live, claim, reply, read the answer live, hand back, log out."""
    page = browser_page
    await page.goto(f"{base_url}/admin/")
    assert "/admin/login" in page.url
    await _screenshot(page, "login", 360, 740)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.get_by_label("E-mail").fill(EMAILS["lea"])
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender="browser-young-1")  # type: ignore[arg-type]
        await run_full_lead(chat)

        card = page.locator("#queue .card", has=page.get_by_role("link", name="Léa", exact=True))
        await card.wait_for()  # arrived without a reload
        banner = page.locator("#live-banner")
        assert "Nouveau contact" in await banner.inner_text()
        await _screenshot(page, "queue", 1280, 800)
        await _screenshot(page, "queue", 360, 740)
        await page.set_viewport_size({"width": 1280, "height": 800})

        await card.get_by_role("button", name="Prendre en charge").click()
        await page.get_by_text("Contact pris en charge.").wait_for()
        assert await page.locator("h1").inner_text() == "Léa"

        await page.get_by_label("Répondre sur Chat web").fill("Bonjour Léa, ici ta conseillère.")
        await page.get_by_role("button", name="Envoyer").click()
        await page.get_by_text("Message envoyé.").wait_for()

        answer = await http.post(
            base_url + REST_PATH,
            json={"sender": "browser-young-1", "message": "merci, je suis dispo demain"},
        )
        assert await answer.json() == []  # the bot keeps quiet during the takeover
        await page.locator("#transcript").get_by_text("merci, je suis dispo demain").wait_for()
        await _screenshot(page, "lead", 1280, 800)
        await _screenshot(page, "lead", 360, 740)
        await page.set_viewport_size({"width": 1280, "height": 800})

        assert "Contacté" in await page.locator(".title-row").inner_text()  # by the reply
        await page.get_by_role("button", name="Rendre la main au bot").click()
        await page.locator(".flash", has_text="Conversation rendue au bot").wait_for()
        await page.get_by_label("Nouveau statut").select_option("appointment")
        await page.get_by_role("button", name="Changer").click()
        await page.get_by_text("Statut mis à jour.").wait_for()
        assert "RDV fixé" in await page.locator(".title-row").inner_text()

    await page.goto(f"{base_url}/admin/campaigns")  # campaign pages share the session
    await page.get_by_role("heading", level=1).wait_for()
    await _screenshot(page, "campaigns", 360, 740)
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto(f"{base_url}/admin/")
    await page.get_by_role("button", name="Déconnexion").click()
    await page.get_by_text("Tu es déconnecté·e.").wait_for()
    await page.goto(f"{base_url}/admin/")
    assert "/admin/login" in page.url


async def test_a_signed_in_browser_opening_a_qr_code_is_not_a_scan(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Chromium signed in to the back office opens /q/CODE uncounted; signed out, it counts."""

    async def scans() -> int:
        async with services.sessions() as session:
            return int(await session.scalar(select(func.count(CampaignScan.id))) or 0)

    await create_campaign(services.sessions, "FORUM", name="Forum")
    page = browser_page
    await sign_in(page, base_url, EMAILS["olga"])
    await page.get_by_role("button", name="Déconnexion").wait_for()

    await page.goto(f"{base_url}/q/FORUM")
    await page.get_by_role("link", name="Discuter ici").wait_for()
    assert await scans() == 0

    await page.goto(f"{base_url}/admin/")
    await page.get_by_role("button", name="Déconnexion").click()
    await page.get_by_text("Tu es déconnecté·e.").wait_for()
    await page.goto(f"{base_url}/q/FORUM")
    await page.get_by_role("link", name="Discuter ici").wait_for()
    assert await scans() == 1
