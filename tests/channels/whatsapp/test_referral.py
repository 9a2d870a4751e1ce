"""A referral proposed from the lead page and answered on WhatsApp in the quiet hours: the real
app over HTTP, a local fake Graph API and a real local SMTP server for the partner's e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from outreach_bot.core.partners.directory import save_organisation, save_service
from outreach_bot.core.services import Services
from outreach_bot.domain.referrals import ReferralStatus
from outreach_bot.storage.models import Conversation, Lead, Referral
from tests.channels.sms.conftest import settle
from tests.channels.whatsapp.conftest import Client, WhatsAppPhone, shown
from tests.channels.whatsapp.test_window import lead_page
from tests.referrals import settle_referrals
from tests.smtp import Inbox
from tests.web.admin.conftest import make_lead

PARIS = ZoneInfo("Europe/Paris")


START = datetime.now(PARIS).replace(second=0, microsecond=0)
QUIET_END = START + timedelta(hours=1)
"""When sending resumes under :func:`quiet_now`'s hours (its date may be tomorrow's)."""


def quiet_now() -> dict[str, Any]:
    """Quiet hours around the moment the tests start, whatever the day and hour."""
    return {
        "quiet_hours_start": (START - timedelta(hours=1)).time(),
        "quiet_hours_end": QUIET_END.time(),
        "quiet_days": "",
        "quiet_on_public_holidays": False,
    }


@pytest.fixture(name="wa_overrides")
def _wa_overrides(smtp: Inbox) -> dict[str, Any]:
    """The quiet hours hold now, and e-mail goes to the local SMTP server."""
    return {**quiet_now(), **smtp.settings()}


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from outreach_bot.core.staff import accounts as users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def housing_service(services: Services) -> int:
    organisation = await save_organisation(
        services.sessions, actor="t", user_id=None, name="Maison de l'habitat"
    )
    return await save_service(
        services.sessions,
        actor="t",
        user_id=None,
        organisation_id=organisation,
        name="Logement jeunes",
        referral_email="orientations@habitat.example",
    )


async def propose(client: Client, services: Services, lead: Lead, service_id: int) -> str:
    """Léa proposes the referral from the lead page's form; the page she lands on."""
    browser, _ = await lead_page(client, services, lead)
    response = await browser.post(
        f"/admin/leads/{lead.id}/referrals",
        {"service": str(service_id), "reason": "Cherche un logement près de Verdun."},
    )
    assert response.status == 303, await response.text()
    return unescape(await (await browser.get(f"/admin/leads/{lead.id}")).text())


async def wrote_ago(services: Services, ago: timedelta) -> None:
    async with services.sessions.begin() as session:
        await session.execute(update(Conversation).values(last_message_at=datetime.now(UTC) - ago))


async def referral_status(services: Services) -> str:
    async with services.sessions() as session:
        referral = await session.scalar(select(Referral))
    assert referral is not None
    return referral.status


async def test_a_yes_to_something_else_before_the_question_arrives_shares_nothing(
    wa_client: Client, wa_services: Services, phone: WhatsAppPhone, smtp: Inbox
) -> None:
    """The question waits for the end of the quiet hours; a "oui" the young person writes
    meanwhile (to the counsellor's own question) is not their consent to a question they have
    not read: nothing reaches the partner, and the question still waits for its answer."""
    lead = await make_lead(wa_services, channel="whatsapp", sender=phone.number)
    await wrote_ago(wa_services, timedelta(hours=3))
    service_id = await housing_service(wa_services)
    page = await propose(wa_client, wa_services, lead, service_id)
    assert "Question envoyée au jeune" not in page
    assert f"elle partira {QUIET_END:%d/%m} à {QUIET_END:%H:%M}" in page
    await settle(wa_services)
    assert phone.unread() == []  # held by the quiet hours

    await phone.say("oui")

    await settle_referrals(wa_services)
    assert smtp.received == []
    assert await referral_status(wa_services) == ReferralStatus.ASKED


async def test_in_a_live_conversation_the_question_goes_at_once_and_a_yes_tells_the_partner(
    wa_client: Client, wa_services: Services, phone: WhatsAppPhone, smtp: Inbox
) -> None:
    """The young person wrote a minute ago: like a counsellor's answer, the question is not
    held by the quiet hours; their "oui" to it sends the partner its e-mail."""
    lead = await make_lead(wa_services, channel="whatsapp", sender=phone.number)
    await wrote_ago(wa_services, timedelta(minutes=1))
    service_id = await housing_service(wa_services)
    page = await propose(wa_client, wa_services, lead, service_id)
    assert "Question envoyée au jeune" in page
    await settle(wa_services)
    [question] = phone.unread()
    assert "Maison de l'habitat" in shown(question)

    answer = await phone.say("oui")

    assert any("je transmets à Maison de l'habitat" in shown(m) for m in answer)
    await settle_referrals(wa_services)
    [mail] = smtp.received
    assert mail.recipients == ["orientations@habitat.example"]
    assert await referral_status(wa_services) == ReferralStatus.SENT


async def test_outside_the_window_without_template_the_question_is_refused_with_why(
    wa_client: Client, wa_services: Services, phone: WhatsAppPhone, smtp: Inbox
) -> None:
    """The young person last wrote two days ago and no template is configured: WhatsApp would
    refuse the question, so the lead page says so and to call, rather than "Accord demandé au
    jeune" for a question that never leaves."""
    lead = await make_lead(wa_services, channel="whatsapp", sender=phone.number)
    await wrote_ago(wa_services, timedelta(days=2))
    service_id = await housing_service(wa_services)
    browser, _ = await lead_page(wa_client, wa_services, lead)
    response = await browser.post(
        f"/admin/leads/{lead.id}/referrals",
        {"service": str(service_id), "reason": "Cherche un logement près de Verdun."},
    )
    assert response.status == 409
    page = unescape(await response.text())
    assert "24 h" in page
    assert "OUTREACH_WHATSAPP_TEMPLATES" in page
    assert "Appelle" in page
    async with wa_services.sessions() as session:
        assert await session.scalar(select(Referral)) is None
    await settle(wa_services)
    assert phone.unread() == []
