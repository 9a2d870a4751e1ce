"""Campaigns on WhatsApp: the wa.me link on the landing page and poster, and the figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.core.figures.stats import Metric
from outreach_bot.core.outreach.campaigns import campaign_funnel, create_campaign
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import Campaign, Conversation
from tests.channels.whatsapp.conftest import Client, WhatsAppPhone, shown
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser

CODE = "FORUM-VERDUN"
WA_LINK = f"https://wa.me/33937000000?text={CODE}"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from outreach_bot.core.staff import accounts as users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def test_the_landing_page_offers_whatsapp_with_the_code_typed(
    wa_client: Client, wa_services: Services
) -> None:
    """The QR landing page links to wa.me with the campaign code already typed."""
    await create_campaign(wa_services.sessions, CODE, name="Forum emploi Verdun")
    response = await wa_client.get("/q/forum-verdun")
    assert response.status == 200
    html = await response.text()
    assert WA_LINK in [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
    assert "Écrire sur WhatsApp" in html


async def test_a_conversation_opened_with_the_code_counts_for_the_campaign(
    phone: WhatsAppPhone, wa_services: Services
) -> None:
    """The pre-filled code as a first message is greeted and the conversation is the
    campaign's, in its figures, like a Telegram deep link."""
    await create_campaign(wa_services.sessions, CODE, name="Forum emploi Verdun")
    answers = await phone.say(CODE)
    assert answers
    assert "bot" in shown(answers[0])
    async with wa_services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.code == CODE))
    assert conversation is not None
    assert conversation.campaign_id == campaign_id
    funnel = await campaign_funnel(wa_services.sessions, CODE)
    assert funnel.count(Metric.IDENTIFIED) == 1


async def test_the_poster_says_how_to_write_on_whatsapp(
    wa_client: Client, wa_services: Services, tmp_path: Path
) -> None:
    """The printed poster gives the WhatsApp number with the code, and the campaign page the
    wa.me link."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    await create_campaign(wa_services.sessions, CODE, name="Forum emploi Verdun")
    await add_user(wa_services.sessions, EMAILS["admin"], role="admin", password=PASSWORD)
    browser = Browser(wa_client)
    assert (await browser.login("admin")).status == 303
    detail = await browser.get(f"/admin/campaigns/{CODE}")
    assert WA_LINK in unescape(await detail.text())
    poster = await browser.get(f"/admin/campaigns/{CODE}/poster-a4.pdf")
    assert poster.status == 200
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(await poster.read())
    text = subprocess.run(  # noqa: S603 - fixed arguments, a file the test wrote
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert f"Sur WhatsApp : envoie {CODE} au 09 37 00 00 00" in " ".join(text.split())
