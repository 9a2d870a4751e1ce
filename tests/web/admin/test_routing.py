"""Which queue a lead joins and who sees it: commune, else campaign sector, else fallback;
an urgent lead is shown to every counsellor, whatever their sectors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outreach_bot.core.leads.sectors import sector_for
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Campaign, Lead, Sector
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, make_lead


async def _crisis_from_campaign(client: object, code: str, sender: str) -> None:
    """A young person scans the poster of ``code`` (the landing page opens the chat with
    ``/start CODE``), then writes that they want to die."""
    chat = RestChat(client, sender=sender)  # type: ignore[arg-type]
    await chat.say(f"/start {code}")
    await chat.say("je veux mourir")
    assert "3114" in chat.text()


async def _lead_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="lead-(\d+)"', html)]


async def test_crisis_from_a_sector_campaign_reaches_that_sectors_counsellor(
    client, browser: Browser, services: Services
) -> None:
    """The urgent entry of a Nord Meusien campaign is in Léa's queue (Nord Meusien), on top."""
    await create_campaign(services.sessions, "FORUM55", name="Forum Verdun", sector="nord-meusien")
    older = await make_lead(services, first_name="Ancien")
    await _crisis_from_campaign(client, "FORUM55", "young-crisis-1")
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead).where(Lead.urgent.is_(True)))
        assert lead is not None
        sector = await session.get(Sector, lead.sector_id)
    assert sector is not None
    assert sector.code == "nord-meusien"

    await browser.login("lea")
    html = await (await browser.get("/admin/")).text()
    assert await _lead_ids(html) == [lead.id, older.id]
    assert "badge-urgent" in html
    assert (await browser.get(f"/admin/leads/{lead.id}")).status == 200


@pytest.fixture(name="argonne")
async def _argonne(services: Services) -> str:
    """A third sector (Verdun alone, for the test) with a campaign: nobody of the staff works
    in it."""
    async with services.sessions.begin() as session:
        session.add(Sector(code="argonne", name="Argonne", rules=["insee:55545"]))
    await create_campaign(services.sessions, "ARGONNE", name="Marché", sector="argonne")
    return "ARGONNE"


async def test_counsellors_of_other_sectors_see_urgent_leads_only(
    client, browser: Browser, services: Services, argonne: str
) -> None:
    """Léa and Sam work elsewhere: they are shown the Argonne crisis and may take it, but
    not Argonne's ordinary leads, neither in the queue nor by their address."""
    ordinary = await make_lead(services, first_name="Ordinaire", sector="argonne")
    await _crisis_from_campaign(client, argonne, "young-crisis-2")
    async with services.sessions() as session:
        urgent = await session.scalar(select(Lead).where(Lead.urgent.is_(True)))
        assert urgent is not None
        sector = await session.get(Sector, urgent.sector_id)
    assert sector is not None
    assert sector.code == "argonne"

    for who in ("lea", "sam"):
        await browser.login(who)
        html = await (await browser.get("/admin/")).text()
        assert await _lead_ids(html) == [urgent.id], who
        assert "Ordinaire" not in html
        assert "Nouveau <b>1</b>" in html
        assert (await browser.get(f"/admin/leads/{urgent.id}")).status == 200
        assert (await browser.get(f"/admin/leads/{ordinary.id}")).status == 404
        assert (await browser.post(f"/admin/leads/{ordinary.id}/claim")).status == 404
        await browser.post("/admin/logout")
    await browser.login("sam")
    assert (await browser.post(f"/admin/leads/{urgent.id}/claim")).status == 303
    async with services.sessions() as session:
        taken = await session.get(Lead, urgent.id)
    assert taken is not None
    assert taken.status == "claimed"


async def test_urgent_event_reaches_every_counsellors_live_feed(
    client, browser: Browser, second_browser: Browser, services: Services, argonne: str
) -> None:
    """The live feed of a counsellor of another sector carries the urgent event, and not
    the ordinary Argonne lead created just before it."""
    await second_browser.login("lea")
    feed = await second_browser.get("/admin/events")
    assert feed.status == 200
    await feed.content.readuntil(b"\n\n")  # the retry line: subscribed
    ordinary = RestChat(client, sender="young-ordinary")
    await ordinary.say(f"/start {argonne}")
    await run_full_lead(ordinary)  # a lead of Verdun, so of Argonne, not urgent
    await _crisis_from_campaign(client, argonne, "young-crisis-3")
    event = await feed.content.readuntil(b"\n\n")
    assert event.startswith(b"event: urgent\n")
    assert b'"urgent": true' in event
    feed.close()


async def test_commune_wins_over_campaign_and_fallback_is_last(services: Services) -> None:
    """A known commune decides; without one, the campaign's sector; without that, fallback."""
    await create_campaign(services.sessions, "FORUM55", name="Forum Verdun", sector="nord-meusien")
    await create_campaign(services.sessions, "SANSSECTEUR", name="Salon")
    async with services.sessions.begin() as session:
        session.add(Sector(code="verdun", name="Verdun", rules=["insee:55545"]))
        await session.flush()
        rows = await session.execute(select(Campaign.code, Campaign.id))
        ids: dict[str, int] = {row.code: row.id for row in rows}

        async def code_of(insee: str | None, campaign_id: int | None) -> str | None:
            sector = await sector_for(session, insee, campaign_id=campaign_id)
            return sector.code if sector else None

        assert await code_of("55545", ids["FORUM55"]) == "verdun"
        assert await code_of(None, ids["FORUM55"]) == "nord-meusien"
        assert await code_of("75056", ids["FORUM55"]) == "nord-meusien"  # Paris: no sector
        assert await code_of(None, ids["SANSSECTEUR"]) == "hors-secteur"
        assert await code_of(None, None) == "hors-secteur"
