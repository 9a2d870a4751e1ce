"""A list's first message: planned within the rules and the campaign's budget, paused,
resumed, sent once, and what an answer changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.contact_lists.importing import import_list
from outreach_bot.core.conversation.service import conversation_for
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.services import Services
from outreach_bot.domain.contact_lists import ListPurpose
from outreach_bot.domain.errors import ConflictError, InvalidInputError
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import ContactList, ContactListRow, DoNotContact, Lead
from tests.conftest import make_settings
from tests.core.contact_lists.conftest import TODAY, csv_of, person
from tests.fakes import RecordingChannel

MONDAY_7H = datetime(2026, 12, 7, 7, 0, tzinfo=PARIS)
MONDAY_9H = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)


async def new_list(services: Services, lines: list[str], **options: object) -> int:
    report = await import_list(
        services.sessions,
        csv_of(lines),
        name=str(options.pop("name", "SIEI")),
        purpose=options.pop("purpose", ListPurpose.TRAINING_OBLIGATION),  # type: ignore[arg-type]
        purge_on=TODAY + timedelta(days=90),
        imported_by=None,
        imported_by_name="Camille",
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )
    return report.list_id


async def sent_to(services: Services, at: datetime) -> list[tuple[str, str]]:
    """Tick the scheduler and deliver as of ``at``; every (number, text) the channel got."""
    await services.scheduler.tick(now=at)
    dispatcher = OutboxDispatcher(
        services.sessions, services.outbound, policies=services.send_policies, clock=lambda: at
    )
    while await dispatcher.run_once():
        pass
    channel = services.outbound["sms"]
    assert isinstance(channel, RecordingChannel)
    return [(recipient, reply.text) for recipient, reply in channel.sent]


async def answer(services: Services, phone: str, text: str, message_id: str) -> list[str]:
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id=phone, text=text, message_id=message_id)
    )
    return [reply.text for reply in result.replies]


async def answered_list(services: Services, answers: list[str]) -> int:
    """A list of four, sent on Monday morning; then person 1, 2… answers ``answers`` in turn."""
    list_id = await new_list(services, [person(index) for index in range(1, 5)])
    await services.first_contacts.start(list_id, now=MONDAY_9H)
    await sent_to(services, MONDAY_9H + timedelta(minutes=1))
    for index, text in enumerate(answers, start=1):
        await answer(services, f"+3364000000{index}", text, f"a{index}")
    return list_id


async def set_list(services: Services, list_id: int, **values: object) -> None:
    async with services.sessions.begin() as session:
        contact_list = await session.get(ContactList, list_id)
        for key, value in values.items():
            setattr(contact_list, key, value)


async def test_the_budget_spreads_a_list_over_open_days(services: Services) -> None:
    """Three a day: Monday's three, then Tuesday's, never Sunday's; a message each, once."""
    list_id = await new_list(services, [person(index) for index in range(1, 8)], daily_budget=3)
    plan = await services.first_contacts.start(list_id, now=MONDAY_7H)
    assert plan.planned == 7
    assert plan.first_due == MONDAY_9H
    assert await sent_to(services, MONDAY_7H) == []
    assert len(await sent_to(services, MONDAY_9H + timedelta(hours=3))) == 3
    assert len(await sent_to(services, MONDAY_9H + timedelta(days=1, hours=3))) == 6
    saturday = MONDAY_9H + timedelta(days=5, hours=3)
    sent = await sent_to(services, saturday)
    assert len(sent) == 7
    assert len({number for number, _ in sent}) == 7


async def test_pause_holds_back_and_resume_sends_the_rest_once(services: Services) -> None:
    """Paused after two, nothing more goes; resumed, the others go and the two not again."""
    list_id = await new_list(services, [person(index) for index in range(1, 6)])
    await set_list(services, list_id, pace_per_minute=1)
    await services.first_contacts.start(list_id, now=MONDAY_9H)
    assert len(await sent_to(services, MONDAY_9H + timedelta(seconds=70))) == 2
    with pytest.raises(ConflictError):
        await services.first_contacts.start(list_id, now=MONDAY_9H)
    assert await services.first_contacts.pause(list_id, now=MONDAY_9H + timedelta(minutes=2)) == 3
    assert len(await sent_to(services, MONDAY_9H + timedelta(hours=1))) == 2
    plan = await services.first_contacts.start(list_id, now=MONDAY_9H + timedelta(hours=2))
    assert plan.planned == 3
    sent = await sent_to(services, MONDAY_9H + timedelta(hours=3))
    assert len(sent) == len({number for number, _ in sent}) == 5


async def test_the_representative_is_written_to_only_for_a_minor_when_chosen(
    services: Services,
) -> None:
    """With the team's choice, the parent of a 17-year-old gets a message; of a 19-year-old not."""
    list_id = await new_list(
        services,
        [
            person(1, rep="0698765431"),
            person(2, born="01/01/2007", rep="0698765432"),
            person(3, rep="0698765433"),
        ],
        contact_representatives=True,
    )
    other = await new_list(services, [person(4, rep="0698765434")], name="Sans parents")
    await services.first_contacts.start(list_id, now=MONDAY_9H)
    await services.first_contacts.start(other, now=MONDAY_9H)
    sent = dict(await sent_to(services, MONDAY_9H + timedelta(hours=1)))
    assert "+33698765431" in sent
    assert "+33698765433" in sent
    assert "+33698765432" not in sent  # 19 years old
    assert "+33698765434" not in sent  # the team did not choose it for that list
    assert "Nous voudrions parler à JeuneB" in sent["+33698765431"]


async def test_an_answer_opens_a_lead_without_a_consent_question(services: Services) -> None:
    """The young person's first answer is a lead in the sector's queue, with the campaign."""
    list_id = await new_list(services, [person(1)])
    await services.first_contacts.start(list_id, now=MONDAY_9H)
    await sent_to(services, MONDAY_9H + timedelta(minutes=1))
    replies = await answer(services, "+33640000001", "c'est pour quoi ?", "r1")
    assert not any("accord" in reply for reply in replies)
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
        contact_list = await session.get(ContactList, list_id)
    assert lead is not None
    assert contact_list is not None
    assert lead.campaign_id == contact_list.campaign_id
    assert lead.consent_id is None
    assert lead.sector_id is not None
    # A second answer is an ordinary message: still one lead.
    await answer(services, "+33640000001", "oui", "r2")
    async with services.sessions() as session:
        assert len(list(await session.scalars(select(Lead)))) == 1


async def test_a_wrong_number_stops_that_number_for_every_list(services: Services) -> None:
    """ "C'est pas moi" marks the row, apologises, and no later list writes to that number."""
    list_id = await new_list(services, [person(1)])
    await services.first_contacts.start(list_id, now=MONDAY_9H)
    await sent_to(services, MONDAY_9H + timedelta(minutes=1))
    replies = await answer(services, "+33640000001", "c'est pas moi", "w1")
    assert replies[0].startswith("Pardon pour le dérangement")
    async with services.sessions() as session:
        row = await session.scalar(select(ContactListRow))
        assert row is not None
        assert row.status == "wrong_number"
        assert await session.scalar(select(DoNotContact.source)) == "wrong_number"
        assert await session.scalar(select(Lead)) is None


async def test_a_start_needs_the_team_phone(tmp_path: Path, embedded_nlu: NluBackend) -> None:
    """Without the Mission Locale's number the message cannot say whom to call: no start."""
    async with open_services(
        make_settings(tmp_path), nlu=embedded_nlu, create_schema=True
    ) as services:
        list_id = await new_list(services, [person(1)])
        with pytest.raises(InvalidInputError, match="OUTREACH_TEAM_PHONE"):
            await services.first_contacts.start(list_id, now=MONDAY_9H)


async def test_the_preview_shows_an_invented_name_and_the_nearest_place(
    services: Services,
) -> None:
    """A preview never shows a real row; it names the team's phone and how to stop."""
    list_id = await new_list(services, [person(1)])
    [text] = await services.first_contacts.preview(list_id, today=TODAY)
    assert text.startswith("Bonjour Léa")
    assert "03 29 00 00 00" in text
    assert "STOP" in text
    assert "JeuneB" not in text


async def test_a_stop_on_telegram_blocks_the_number_given_there(services: Services) -> None:
    """STOP on Telegram, from someone whose lead holds a number: no list texts that number."""
    list_id = await new_list(services, [person(1), person(2)])
    async with services.sessions.begin() as session:
        conversation = await conversation_for(
            session, channel="telegram", sender_id="4242", now=MONDAY_7H
        )
        assert conversation is not None
        session.add(
            Lead(conversation_id=conversation.id, channel="telegram", phone="+33640000002")
        )
    await services.conversations.handle_inbound(
        InboundMessage(channel="telegram", sender_id="4242", text="STOP", message_id="t1")
    )
    plan = await services.first_contacts.start(list_id, now=MONDAY_9H)
    assert plan.planned == 1
    sent = await sent_to(services, MONDAY_9H + timedelta(minutes=1))
    assert [number for number, _ in sent] == ["+33640000001"]
