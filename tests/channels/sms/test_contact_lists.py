"""Writing first, end to end: a list of 1,000 invented rows imported, texted through a fake
SMS provider over real HTTP inside the allowed hours, answered, stopped, purged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.contact_lists.importing import import_list
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.figures.lists import list_figures
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.services import Services
from outreach_bot.domain.contact_lists import ListPurpose
from outreach_bot.storage.models import Campaign, ContactList, ContactListRow, Lead
from tests.channels.sms.conftest import FakeTwilio, TwilioPhone

TEAM_PHONE = "03 29 00 00 00"
MONDAY_7H = datetime(2026, 12, 7, 7, 0, tzinfo=PARIS)
MONDAY_9H = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
FIRST = "+33640000000"
WRONG = "+33640000001"
STOPPER = "+33640000002"


@pytest.fixture(name="sms_overrides")
def _sms_overrides() -> dict[str, Any]:
    return {"team_phone": TEAM_PHONE}


NAMES = ("Léa", "Hugo", "Inès", "Nolan", "Jade", "Rayan", "Lina", "Enzo", "Maël", "Chloé")


def number(index: int) -> str:
    """An invented mobile number: 06 40 00 00 00 onwards."""
    return f"06{40000000 + index:08d}"


def thousand_rows() -> bytes:
    """1,000 lines: 960 people, 20 bad lines (a landline, a date that does not exist, an
    unknown commune, too old) and 20 numbers written twice."""
    lines = []
    bad = [
        "Noé;03 29 12 34 56;01/01/2009;Verdun;",
        "Noé;0655555555;30/02/2009;Verdun;",
        "Noé;0655555556;01/01/2009;Xyzzyville;",
        "Noé;0655555557;01/01/1990;Verdun;",
    ]
    for index in range(960):
        commune = ("Verdun", "Stenay", "Montmédy", "55100 Verdun")[index % 4]
        lines.append(f"{NAMES[index % 10]};{number(index)};12/03/2009;{commune};06 98 76 54 32")
        if index % 48 == 1:
            lines.append(bad[index // 48 % 4])
        if index % 48 == 2:
            again = f"+33 6 {40000000 + index - 1:08d}"
            lines.append(f"{NAMES[index % 10]};{again};12/03/2009;Verdun;")
    assert len(lines) == 1000
    header = "Prénom;Téléphone;Date de naissance;Commune;Téléphone du représentant légal\n"
    return (header + "\n".join(lines) + "\n").encode()


async def deliver(services: Services, at: datetime) -> int:
    """Run the outbox as of ``at`` (a frozen clock) until nothing due is left."""
    dispatcher = OutboxDispatcher(
        services.sessions, services.outbound, policies=services.send_policies, clock=lambda: at
    )
    total = 0
    while sent := await dispatcher.run_once():
        total += sent
    return total


async def import_(services: Services, data: bytes, name: str, **options: Any) -> Any:
    return await import_list(
        services.sessions,
        data,
        name=name,
        purpose=options.pop("purpose", ListPurpose.TRAINING_OBLIGATION),
        purge_on=MONDAY_9H.date() + timedelta(days=60),
        imported_by=None,
        imported_by_name="Camille",
        daily_budget=5000,
        today=MONDAY_7H.date(),
        **options,
    )


async def send_the_list(services: Services, twilio: FakeTwilio, list_id: int) -> datetime:
    """Start at 7:00 (quiet hours): nothing leaves before 9:00, then one SMS per person."""
    async with services.sessions.begin() as session:
        contact_list = await session.get(ContactList, list_id)
        assert contact_list is not None
        contact_list.pace_per_minute = 600
    plan = await services.first_contacts.start(list_id, now=MONDAY_7H)
    assert plan.planned == 960
    assert plan.first_due == MONDAY_9H
    assert await services.scheduler.tick(now=MONDAY_7H + timedelta(minutes=30)) == 0
    assert await deliver(services, MONDAY_7H + timedelta(minutes=30)) == 0
    assert twilio.sent == []
    end = MONDAY_9H + timedelta(minutes=5)
    assert await services.scheduler.tick(now=end) == 960
    assert await deliver(services, end) == 960
    assert await services.scheduler.tick(now=end + timedelta(hours=2)) == 0  # once each
    return end


async def lead_of(services: Services, phone: str) -> tuple[Lead, str, str]:
    """The lead of a number, its campaign's code and its row's status."""
    async with services.sessions() as session:
        [lead] = [lead for lead in await session.scalars(select(Lead)) if lead.phone == phone]
        campaign = await session.get(Campaign, lead.campaign_id)
        assert campaign is not None
        status = await session.scalar(
            select(ContactListRow.status).where(
                ContactListRow.conversation_id == lead.conversation_id
            )
        )
    return lead, campaign.code, str(status)


async def statuses(services: Services) -> dict[str, str]:
    """Rows that are no longer just sent: number → status."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(ContactListRow.phone, ContactListRow.status).where(
                ContactListRow.status.in_(["wrong_number", "stopped", "answered"])
            )
        )
        return {str(row[0]): str(row[1]) for row in rows.all()}


async def test_a_list_of_a_thousand_is_texted_answered_and_stopped(
    twilio_phone: TwilioPhone, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """Import, send inside the hours, an answer becomes a lead, a wrong number, a STOP that
    the next list respects, and the purge at the list's date."""
    services = twilio_services
    report = await import_(services, thousand_rows(), "SIEI novembre")
    assert report.imported == 960
    assert len(report.problems) == 40
    assert sum("double" in problem.reason for problem in report.problems) == 20
    end = await send_the_list(services, twilio, report.list_id)
    recipients = [message["to"] for message in twilio.sent]
    assert len(set(recipients)) == 960
    [first] = twilio.bodies(FIRST)
    assert first.startswith("Bonjour Léa, ici la Mission Locale du Nord Meusien")
    assert TEAM_PHONE in first
    assert "STOP" in first
    assert "+33698765432" not in recipients  # no representative unless the team chose so

    # An answer lands in the dialogue and becomes a lead marked with the campaign.
    young = TwilioPhone(twilio_phone.client, services, twilio, FIRST)
    young.read = 1
    assert await young.say("oui je cherche un apprentissage", message_id="a1")
    lead, code, status = await lead_of(services, FIRST)
    assert (code, status) == (report.campaign_code, "answered")
    assert (lead.first_name, lead.commune_name, lead.age) == ("Léa", "Verdun", 17)

    # "c'est pas moi" marks the row; nothing more goes to that number.
    wrong = TwilioPhone(twilio_phone.client, services, twilio, WRONG)
    wrong.read = 1
    [apology] = await wrong.say("c'est pas moi", message_id="b1")
    assert apology.startswith("Pardon pour le dérangement")

    # A STOP on this list: the next list refuses the number, and sends to the others.
    stopper = TwilioPhone(twilio_phone.client, services, twilio, STOPPER)
    stopper.read = 1
    await stopper.say("STOP", message_id="c1")
    later = await import_(
        services,
        f"prenom;telephone;date_naissance;commune\nAli;06 40 00 00 02;01/01/2005;Verdun\n"
        f"Zoé;{number(5000)};01/01/2005;Verdun\n".encode(),
        "Reprise de contact",
        purpose=ListPurpose.RECONTACT,
    )
    assert [problem.reason for problem in later.problems] == [
        "a demandé à ne plus être contacté (STOP)"
    ]
    texted = len(twilio.sent)
    await services.first_contacts.start(later.list_id, now=end)
    await services.scheduler.tick(now=end + timedelta(minutes=1))
    await deliver(services, end + timedelta(minutes=1))
    assert [message["to"] for message in twilio.sent[texted:]] == ["+33640005000"]
    assert await statuses(services) == {
        FIRST: "answered",
        WRONG: "wrong_number",
        STOPPER: "stopped",
    }

    # The list's date (frozen clock): the silent are erased, the one who answered stays.
    before = {row.list_id: row for row in await list_figures(services.sessions)}
    purge_day = datetime.combine(
        MONDAY_9H.date() + timedelta(days=60), datetime.min.time(), MONDAY_9H.tzinfo
    )
    report_ = await purge(services.sessions, transcript_days=90, retention_days=365, now=purge_day)
    assert report_.list_rows == 959 + 1  # both lists: all but the one who answered
    assert await statuses(services) == {FIRST: "answered"}
    after = {row.list_id: row for row in await list_figures(services.sessions)}
    assert after[report.list_id].sent == before[report.list_id].sent == 960
    assert after[report.list_id].wrong_numbers == 1
    assert after[report.list_id].leads == 1
