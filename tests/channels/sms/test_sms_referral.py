"""A referral asked and answered by SMS, through the fake Twilio over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.partners import referrals
from outreach_bot.core.partners.directory import save_organisation, save_service
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user, load_account
from tests.channels.sms.conftest import YOUNG_PERSON, TwilioPhone, settle
from tests.referrals import settle_referrals
from tests.smtp import Inbox
from tests.web.admin.conftest import make_lead


@pytest.fixture(name="sms_overrides")
def _sms_overrides(smtp: Inbox) -> dict[str, Any]:
    """This app also sends e-mail, to the local SMTP server."""
    return smtp.settings()


async def test_the_question_and_a_numbered_yes_by_sms(
    twilio_phone: TwilioPhone, twilio_services: Services, smtp: Inbox
) -> None:
    """The young person gets the question by SMS naming the partner and what is shared, with
    numbered choices; "1" is an explicit yes and the partner's e-mail leaves."""
    services = twilio_services
    organisation = await save_organisation(
        services.sessions, actor="t", user_id=None, name="Mission Logement Jeunes"
    )
    service = await save_service(
        services.sessions,
        actor="t",
        user_id=None,
        organisation_id=organisation,
        name="Chambre en foyer jeunes travailleurs",
        referral_email="flj@asso-test.example",
    )
    lead = await make_lead(services, channel="sms", sender=YOUNG_PERSON, first_name="Rayan")
    user = await add_user(
        services.sessions,
        "conseil@ml.example",
        role="counsellor",
        password="x" * 12,
        sectors=["nord-meusien"],
    )
    async with services.sessions() as session:
        account = await load_account(session, user)
    assert account is not None

    await referrals.propose_referral(
        services.sessions,
        account,
        lead.id,
        service,
        "Cherche une chambre près de son apprentissage.",
        content=services.content,
        queued_channels=QUEUED_CHANNELS,
        policies={},  # quiet hours are the outbox's own tests' business
    )
    await settle(services)
    [question] = twilio_phone.unread()
    assert "Mission Logement Jeunes" in question
    assert "ton prénom, ton numéro et ta demande" in question
    assert "1" in question
    assert "2" in question
    await settle_referrals(services)
    assert smtp.received == []

    answer = await twilio_phone.say("1")

    assert any("je transmets à Mission Logement Jeunes" in text for text in answer)
    await settle_referrals(services)
    [mail] = smtp.received
    assert mail.recipients == ["flj@asso-test.example"]
    assert "/admin/orientation/" in mail.body()
