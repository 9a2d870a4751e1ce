"""Referrals end to end over real HTTP: the counsellor proposes, the young person answers on
the REST channel, the partner reads a real e-mail (local SMTP server) and answers by its link."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.config import Settings
from outreach_bot.core.partners.directory import save_organisation, save_service
from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.storage.models import AuditEntry, Consent, Referral
from tests.conftest import make_settings, serve
from tests.referrals import settle_referrals
from tests.smtp import Inbox
from tests.web.admin.conftest import Browser, csrf_of, make_lead

LINK_RE = re.compile(r"http://\S+/admin/orientation/[\w-]+")


@pytest.fixture(name="settings")
def _settings(tmp_path: Path, smtp: Inbox) -> Settings:
    """The app sends e-mail to the local SMTP server."""
    return make_settings(tmp_path, **smtp.settings())


async def add_partner(
    services: Services,
    *,
    email: str = "orientations@asso-test.example",
    name: str = "Association Relais Jeunes",
    service: str = "Logement d'urgence jeunes",
    area: str = "55",
) -> int:
    """An organisation of the directory with one service taking referrals; returns the service."""
    organisation = await save_organisation(
        services.sessions, actor="test", user_id=None, name=name
    )
    return await save_service(
        services.sessions,
        actor="test",
        user_id=None,
        organisation_id=organisation,
        name=service,
        area=area,
        referral_email=email,
    )


async def say(client: TestClient, sender: str, text: str) -> list[str]:  # type: ignore[type-arg]
    """The young person writes on the REST channel; the bot's answers."""
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text}
    )
    assert response.status == 200, await response.text()
    return [item["text"] for item in await response.json()]


async def referral(services: Services) -> Referral:
    async with services.sessions() as session:
        row = await session.scalar(select(Referral).order_by(Referral.id.desc()).limit(1))
        assert row is not None
        return row


async def check_figures(
    client: TestClient,  # type: ignore[type-arg]
    browser: Browser,
    services: Services,
) -> None:
    """One referral proposed, agreed, accepted and with an outcome: the API, page and CSV."""
    token = await create_token(services.sessions, "funder-stats")
    stats = await client.get("/api/stats", headers={"Authorization": f"Bearer {token}"})
    rows = (await stats.json())["referrals"]
    month = datetime.now(UTC).strftime("%Y-%m")
    assert rows == [
        {
            "partner": "Association Relais Jeunes",
            "month": month,
            "proposed": 1,
            "agreed": 1,
            "accepted": 1,
            "with_outcome": 1,
        }
    ]
    await browser.login("admin")
    figures = await (await browser.get("/admin/figures")).text()
    assert 'id="referral-figures"' in figures
    assert "Association Relais Jeunes" in figures
    csv_text = await (await browser.get("/admin/figures.csv")).text()
    assert f"Orientation;Association Relais Jeunes;{month[5:]}/{month[:4]};1;1;1;1" in csv_text


async def test_proposal_yes_email_accept_outcome_and_figures(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    browser: Browser,
    smtp: Inbox,
) -> None:
    """The whole path: proposal, an explicit yes on the REST channel, the partner's e-mail,
    its accept and outcome through the link, the counsellor told, and the figures."""
    service_id = await add_partner(services)
    lead = await make_lead(services, channel="rest", sender="ines-rest", first_name="Inès")
    await browser.login("lea")

    proposed = await browser.post(
        f"/admin/leads/{lead.id}/referrals",
        {"service": str(service_id), "reason": "Hébergée chez une amie jusqu'à vendredi."},
    )
    assert proposed.status == 303
    asked = await referral(services)
    assert asked.status == "asked"
    assert asked.shared is None
    await settle_referrals(services)
    assert smtp.received == []  # nothing leaves before the young person's yes

    answer = await say(client, "ines-rest", "oui")
    assert "je transmets à Association Relais Jeunes" in answer[0]
    async with services.sessions() as session:
        consent = await session.scalar(select(Consent).order_by(Consent.id.desc()).limit(1))
    assert consent is not None
    assert consent.text_version == services.content.privacy.referral_consent.text_version
    assert consent.channel == "rest"

    await settle_referrals(services)
    [mail] = smtp.received
    assert mail.recipients == ["orientations@asso-test.example"]
    assert "Inès" not in mail.body()  # the e-mail carries only the link, never the data
    link = LINK_RE.search(mail.body())
    assert link is not None
    path = link.group().split("127.0.0.1:8080", 1)[1]

    partner = TestClient(client.server)
    await partner.start_server()
    try:
        page = await partner.get(path)
        html = await page.text()
        assert page.status == 200
        assert "Inès" in html
        assert "+33612345678" in html
        assert "amie jusqu" in html
        accepted = await partner.post(path, data={"csrf": csrf_of(html), "action": "accept"})
        assert "votre réponse est enregistrée" in await accepted.text()
        page = await partner.get(path)
        outcome = await partner.post(
            path, data={"csrf": csrf_of(await page.text()), "action": "outcome", "outcome": "met"}
        )
        assert outcome.status == 200
    finally:
        await partner.session.close()  # the server is shared with the counsellor

    lead_page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Acceptée par le partenaire" in lead_page
    assert "rencontré" in lead_page
    assert "Le partenaire a accepté" in lead_page

    await check_figures(client, browser, services)
    async with services.sessions() as session:
        actions = set(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target_type == "referral")
            )
        )
    assert {"referral_proposed", "referral_agreed", "referral_view", "referral_accept"} <= actions


async def test_a_partner_name_typed_as_a_formula_is_exported_as_text(
    services: Services, browser: Browser
) -> None:
    """A partner's name that a spreadsheet would run comes out of the figures CSV as text."""
    service_id = await add_partner(services, name="=cmd|'/c calc'!A1")
    lead = await make_lead(services, channel="rest", sender="noa-rest", first_name="Noa")
    await browser.login("lea")
    await browser.post(
        f"/admin/leads/{lead.id}/referrals", {"service": str(service_id), "reason": "emploi"}
    )
    await browser.login("admin")
    body = (await (await browser.get("/admin/figures.csv")).read()).decode("utf-8-sig")
    section = body[body.index("Orientations;") :].split("\r\n\r\n")[0]
    [row] = list(csv.reader(io.StringIO(section), delimiter=";"))[1:]
    assert row[:2] == ["Orientation", "'=cmd|'/c calc'!A1"]


async def test_a_no_or_a_guess_shares_nothing(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    browser: Browser,
    smtp: Inbox,
) -> None:
    """A sentence the classifier may read as yes only gets the question again; a no ends it,
    nothing reaches the partner, and the lead page says so."""
    service_id = await add_partner(services)
    lead = await make_lead(services, channel="rest", sender="yanis-rest", first_name="Yanis")
    await browser.login("lea")
    await browser.post(
        f"/admin/leads/{lead.id}/referrals", {"service": str(service_id), "reason": "logement"}
    )

    await say(client, "yanis-rest", "ouais carrément ça me va grave")
    still = await referral(services)
    assert still.status == "asked"
    assert still.shared is None

    await say(client, "yanis-rest", "non")
    await settle_referrals(services)

    refused = await referral(services)
    assert refused.status == "refused"
    assert refused.shared is None
    assert refused.consent_id is None
    assert smtp.received == []
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Le jeune a dit non" in page


async def test_without_smtp_the_counsellor_copies_a_link(
    tmp_path: Path, embedded_nlu: Any
) -> None:
    """With no SMTP relay the page says so, and the link the counsellor copies opens the
    referral for the partner."""
    from outreach_bot.app import open_services
    from outreach_bot.core.staff.accounts import add_user
    from tests.web.admin.conftest import EMAILS, PASSWORD

    async with (
        open_services(make_settings(tmp_path), nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        await add_user(
            services.sessions,
            EMAILS["lea"],
            role="counsellor",
            password=PASSWORD,
            sectors=["nord-meusien"],
        )
        service_id = await add_partner(services)
        lead = await make_lead(services, channel="rest", sender="lina-rest", first_name="Lina")
        browser = Browser(client)
        await browser.login("lea")
        page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
        assert "E-mail non configuré" in page
        await browser.post(
            f"/admin/leads/{lead.id}/referrals", {"service": str(service_id), "reason": "santé"}
        )
        await say(client, "lina-rest", "oui")
        await settle_referrals(services)
        assert (await referral(services)).email_status == "no_smtp"

        copied = await browser.post(
            f"/admin/leads/{lead.id}/referrals/{(await referral(services)).id}/link",
            allow_redirects=True,
        )
        link = LINK_RE.search(await copied.text())
        assert link is not None
        partner = await client.get(link.group().split("127.0.0.1:8080", 1)[1])
        assert "Lina" in await partner.text()


async def test_an_expired_link_shows_nothing(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    browser: Browser,
    smtp: Inbox,
) -> None:
    """After 8 days the link shows only that it expired (410), no data."""
    service_id = await add_partner(services)
    lead = await make_lead(services, channel="rest", sender="eva-rest", first_name="Eva")
    await browser.login("lea")
    await browser.post(
        f"/admin/leads/{lead.id}/referrals", {"service": str(service_id), "reason": "emploi"}
    )
    await say(client, "eva-rest", "oui")
    await settle_referrals(services)
    path = LINK_RE.search(smtp.received[0].body()).group().split("127.0.0.1:8080", 1)[1]  # type: ignore[union-attr]
    async with services.sessions.begin() as session:
        row = await session.get(Referral, (await referral(services)).id)
        assert row is not None
        row.link_expires_at = datetime.now(UTC) - timedelta(minutes=1)

    page = await client.get(path)

    assert page.status == 410
    assert "Eva" not in await page.text()
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Referral)) == 1
