"""Appointments end to end in the core: told, reminded, "je peux pas venir", venu, absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.figures.stats import Period, compute_figures, figures_csv
from outreach_bot.core.followups.appointments import AppointmentForm
from outreach_bot.core.leads.queue import close_lead
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import Account, load_account
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.errors import ConflictError, InvalidInputError
from outreach_bot.storage.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    LeadEvent,
    ScheduledMessage,
    ScheduledStatus,
)
from tests.fakes import RecordingChannel
from tests.web.admin.conftest import Staff, make_lead

PHONE = "+33611111111"
MONDAY_9H = datetime(2030, 1, 7, 9, 30, tzinfo=PARIS)
"""Monday 7 January 2030, when the counsellor sets the appointment."""


async def lea(services: Services, staff: Staff) -> Account:
    async with services.sessions() as session:
        account = await load_account(session, staff.lea)
    assert account is not None
    return account


async def set_for(
    services: Services, staff: Staff, lead_id: int, day: str, hour: str, *, now: datetime
) -> int:
    account = await lea(services, staff)
    result = await services.appointments.set_appointment(
        account,
        lead_id,
        AppointmentForm(day=day, time=hour, place="Mission Locale de Verdun", with_whom="Léa"),
        now=now,
    )
    return result.id


async def due_times(services: Services) -> list[tuple[str, datetime]]:
    async with services.sessions() as session:
        rows = await session.scalars(select(ScheduledMessage).order_by(ScheduledMessage.due_at))
        return [(row.kind, row.due_at.replace(tzinfo=UTC).astimezone(PARIS)) for row in rows]


async def deliver(services: Services, moment: datetime) -> None:
    """Run the outbox as of ``moment`` (the scheduled rows are due then, not today)."""
    await OutboxDispatcher(services.sessions, services.outbound, clock=lambda: moment).run_once()


async def say(services: Services, text: str, number: int) -> list[str]:
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id=PHONE, text=text, message_id=f"in-{number}"),
        now=MONDAY_9H + timedelta(hours=1, minutes=number),
    )
    return [reply.text for reply in result.replies]


async def test_the_appointment_is_told_then_reminded_the_day_before_and_two_hours_before(
    services: Services, staff: Staff
) -> None:
    """Set on Monday for Thursday 14:00: told now, reminded Wednesday 17:00 and Thursday 12:00."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    assert await due_times(services) == [
        ("appointment", MONDAY_9H),
        ("appointment_reminder", datetime(2030, 1, 9, 17, tzinfo=PARIS)),
        ("appointment_reminder", datetime(2030, 1, 10, 12, tzinfo=PARIS)),
    ]
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    for moment in (MONDAY_9H, datetime(2030, 1, 9, 17, tzinfo=PARIS)):
        assert await services.scheduler.tick(now=moment) == 1
        await deliver(services, moment)
    told, reminded = [reply for _, reply in phone.sent]
    assert told.text.startswith("C'est noté : rendez-vous jeu. 10/01 à 14h00 avec Léa")
    assert "Mission Locale de Verdun" in told.text
    assert reminded.text.startswith("Petit rappel : rendez-vous jeu. 10/01 à 14h00")
    assert [button.title for button in told.buttons] == ["Je ne peux pas venir"]


async def test_a_monday_appointment_is_reminded_on_saturday(
    services: Services, staff: Staff
) -> None:
    """The day before a Monday is a Sunday, when nothing is sent: the reminder goes Saturday."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    await set_for(services, staff, lead.id, "2030-01-14", "10:00", now=MONDAY_9H)
    kinds = await due_times(services)
    assert ("appointment_reminder", datetime(2030, 1, 12, 17, tzinfo=PARIS)) in kinds


@pytest.mark.parametrize(
    ("day", "hour", "error"),
    [
        ("2030-01-07", "08:00", "déjà passé"),
        ("2030-01-07", "25:00", "Heure invalide"),
        ("", "10:00", "Donne la date"),
        ("07/01/2030", "bientôt", "Heure invalide"),
    ],
)
async def test_a_wrong_appointment_is_refused_with_what_to_fix(
    services: Services, staff: Staff, day: str, hour: str, error: str
) -> None:
    """A past time, an impossible hour or a missing date is refused, in French, saying which."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    with pytest.raises(InvalidInputError, match=error):
        await set_for(services, staff, lead.id, day, hour, now=MONDAY_9H)
    assert await due_times(services) == []


async def test_no_appointment_message_to_someone_who_said_stop(
    services: Services, staff: Staff
) -> None:
    """After STOP the counsellor is told to call instead; nothing is scheduled."""
    lead = await make_lead(services, channel="sms", sender=PHONE, opted_out=True)
    with pytest.raises(ConflictError, match="STOP"):
        await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)


async def test_cannot_come_cancels_the_reminders_and_tells_the_counsellor(
    services: Services, staff: Staff
) -> None:
    """Saying "jpeux pas venir jeudi" cancels what waits, tells Léa, asks for a better time."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    appointment_id = await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    told: list[str] = []

    async def listen(event: object) -> None:
        told.append(getattr(event, "kind", ""))

    services.events.subscribe(listen)
    replies = await say(services, "dsl jpeux pas venir jeudi", 1)
    assert replies[-1].startswith("Merci de m'avoir prévenu, pas de souci.")
    assert "cannot_come" in told
    replies = await say(services, "plutot le matin la semaine pro", 2)
    assert replies == ["C'est noté. Ton conseiller te propose un autre rendez-vous très vite."]
    async with services.sessions() as session:
        appointment = await session.get(Appointment, appointment_id)
        statuses = set(await session.scalars(select(ScheduledMessage.status)))
        events = list(await session.scalars(select(LeadEvent).order_by(LeadEvent.id)))
    assert appointment is not None
    assert appointment.status == AppointmentStatus.CANCELLED
    assert statuses == {ScheduledStatus.CANCELLED}
    assert [e.kind for e in events][-2:] == ["cannot_come", "new_slot_wanted"]
    assert events[-1].note == "plutot le matin la semaine pro"


@pytest.mark.parametrize(
    ("ending", "left"),
    [
        ("not_interested", {ScheduledStatus.CANCELLED}),
        ("oriented", {ScheduledStatus.CANCELLED}),
        ("training", {ScheduledStatus.PENDING}),
    ],
)
async def test_closing_the_lead_cancels_its_reminders_but_mobilised_keeps_them(
    services: Services, staff: Staff, ending: str, left: set[ScheduledStatus]
) -> None:
    """Once the team stops following someone, no reminder of a planned appointment reaches
    them; a young person counted as mobilised still gets the reminders of their appointment."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    await services.scheduler.tick(now=MONDAY_9H)  # the "c'est noté" leaves at once
    await close_lead(
        services.sessions,
        await lea(services, staff),
        lead.id,
        ending,
        events=services.events,
        now=MONDAY_9H + timedelta(minutes=5),
    )
    async with services.sessions() as session:
        reminders = set(
            await session.scalars(
                select(ScheduledMessage.status).where(
                    ScheduledMessage.kind == "appointment_reminder"
                )
            )
        )
    assert reminders == left


async def test_without_an_appointment_those_words_are_an_ordinary_message(
    services: Services,
) -> None:
    """Someone with no appointment who says "je peux pas venir" is not told about one."""
    await make_lead(services, channel="sms", sender=PHONE)
    replies = await say(services, "je peux pas venir", 1)
    assert not any("rendez-vous" in reply for reply in replies)


async def test_absent_sends_one_kind_message_the_next_morning_and_yes_tells_the_team(
    services: Services, staff: Staff
) -> None:
    """Marked absent on Thursday evening: Friday 09:00 one message, "1" asks for a new time."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    appointment_id = await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    account = await lea(services, staff)
    evening = datetime(2030, 1, 10, 18, tzinfo=PARIS)
    with pytest.raises(ConflictError, match="pas encore"):
        await services.appointments.record_outcome(
            account, lead.id, appointment_id, came=False, now=MONDAY_9H
        )
    await services.appointments.record_outcome(
        account, lead.id, appointment_id, came=False, now=evening
    )
    assert ("appointment_missed", datetime(2030, 1, 11, 9, tzinfo=PARIS)) in await due_times(
        services
    )
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    friday = datetime(2030, 1, 11, 9, tzinfo=PARIS)
    await services.scheduler.tick(now=friday)
    await deliver(services, friday)
    missed = [reply for _, reply in phone.sent if "On ne t'a pas vu" in reply.text]
    assert len(missed) == 1
    assert "faute" not in missed[0].text
    assert [b.title for b in missed[0].buttons] == ["Oui, un autre rendez-vous", "Non merci"]
    replies = await say(services, "1", 3)
    assert replies[-1] == "Super ! Quel moment t'arrangerait ?"


async def test_the_figures_count_what_happened_to_appointments(
    services: Services, staff: Staff
) -> None:
    """Set, missed and cancelled appointments appear in the figures, the CSV and the API's dict."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    other = await make_lead(services, channel="sms", sender="+33622222222")
    missed = await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    await set_for(services, staff, other.id, "2030-01-11", "10:00", now=MONDAY_9H)
    await services.appointments.record_outcome(
        await lea(services, staff),
        lead.id,
        missed,
        came=False,
        now=datetime(2030, 1, 10, 18, tzinfo=PARIS),
    )
    result = await services.conversations.handle_inbound(
        InboundMessage(
            channel="sms", sender_id="+33622222222", text="j'ai un empêchement", message_id="x"
        ),
        now=MONDAY_9H + timedelta(hours=2),
    )
    assert result.replies[-1].text.startswith("Merci de m'avoir prévenu"), result.replies
    figures = await compute_figures(services.sessions, Period())
    assert figures.touch["appointments_set"] == 2
    assert figures.touch["appointments_missed"] == 1
    assert figures.touch["appointments_cancelled"] == 1
    assert figures.as_dict()["staying_in_touch"]["appointments_kept"] == 0
    suivi = [
        line.split(";") for line in figures_csv(figures).splitlines() if line.startswith("Suivi")
    ]
    assert ["appointments_set", "Rendez-vous fixés", "2"] in [[r[1], r[2], r[-1]] for r in suivi]
    elsewhere = await compute_figures(services.sessions, Period(), sector_ids=frozenset({-1}))
    assert elsewhere.touch["appointments_set"] == 0


async def told_in(services: Services, staff: Staff, locale: str) -> Reply:
    """The one SMS telling a young person who reads ``locale`` of an appointment on 10/01 at
    14:00, fixed on a Monday at 9:00."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    async with services.sessions.begin() as session:
        conversation = await session.get(Conversation, lead.conversation_id)
        assert conversation is not None
        conversation.locale = locale
    await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    assert await services.scheduler.tick(now=MONDAY_9H) == 1
    await deliver(services, MONDAY_9H)
    [(_, told)] = phone.sent
    return told


async def test_an_arabic_speaker_is_told_and_reminded_in_arabic(
    services: Services, staff: Staff
) -> None:
    """A young person who chose Arabic gets the appointment, its day and its button in Arabic,
    the counsellor's name, the place, the date and the hour as typed (not "jeu. ... à")."""
    told = await told_in(services, staff, "ar")
    assert told.text.startswith("تم التسجيل: موعدك الخميس 10/01 الساعة 14:00 مع Léa")
    assert "Mission Locale de Verdun" in told.text
    assert [button.title for button in told.buttons] == ["لا أستطيع الحضور"]


async def test_cannot_come_just_after_midnight_is_to_do_that_same_day_in_meuse(
    services: Services, staff: Staff
) -> None:
    """Saying "je peux pas venir" at 00:30 in Meuse (still the day before in UTC) puts the lead's
    "À faire le" on the day it is in Meuse, not on yesterday, so the card is not already late."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    await set_for(services, staff, lead.id, "2030-01-10", "14:00", now=MONDAY_9H)
    just_after_midnight = datetime(2030, 1, 9, 0, 30, tzinfo=PARIS)
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id=PHONE, text="jpeux pas venir", message_id="late"),
        now=just_after_midnight.astimezone(UTC),  # the server's clock is UTC
    )
    assert result.replies[-1].text.startswith("Merci de m'avoir prévenu")
    async with services.sessions() as session:
        reloaded = await session.get(type(lead), lead.id)
    assert reloaded is not None
    assert reloaded.next_action_on == just_after_midnight.date()


async def test_an_appointment_within_two_hours_is_told_at_once(
    services: Services, staff: Staff
) -> None:
    """On the phone at 09:30, Léa fixes a meeting at 10:30 the same morning: it is recorded and
    the young person gets it on their channel straight away (no reminder, it is too close)."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    await set_for(services, staff, lead.id, "2030-01-07", "10:30", now=MONDAY_9H)
    assert await due_times(services) == [("appointment", MONDAY_9H)]
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    assert await services.scheduler.tick(now=MONDAY_9H) == 1
    await deliver(services, MONDAY_9H)
    [(_, told)] = phone.sent
    assert told.text.startswith("C'est noté : rendez-vous lun. 07/01 à 10h30 avec Léa")


async def test_fixed_in_the_evening_for_the_next_morning_it_is_told_not_reminded(
    services: Services, staff: Staff
) -> None:
    """Fixed at 21:00 for 10:00 the next day: nothing leaves before 09:00, so at 09:00 the young
    person gets "C'est noté", once, rather than a "Petit rappel" of something never told."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    evening = datetime(2030, 1, 7, 21, tzinfo=PARIS)
    await set_for(services, staff, lead.id, "2030-01-08", "10:00", now=evening)
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    morning = datetime(2030, 1, 8, 9, tzinfo=PARIS)
    await services.scheduler.tick(now=morning)
    await deliver(services, morning)
    assert [reply.text[:26] for _, reply in phone.sent] == ["C'est noté : rendez-vous m"]
    assert "à 10h00" in phone.sent[0][1].text


async def test_easy_french_tells_the_hour_the_french_way(services: Services, staff: Staff) -> None:
    """A young person reading easy French (FALC) reads "14h00", as in French, not "14:00"."""
    told = await told_in(services, staff, "fr-x-falc")
    assert "10/01 à 14h00" in told.text


SATURDAY_21H = datetime(2030, 1, 5, 21, tzinfo=PARIS)
"""Saturday evening: nothing leaves before Monday 09:00 (quiet hours, then Sunday)."""


async def fixed(services: Services, staff: Staff, hour: str, *, now: datetime) -> Any:
    """Léa fixes an appointment on Monday 7 January 2030 at ``hour``; what the core answers."""
    lead = await make_lead(services, channel="sms", sender=PHONE)
    return await services.appointments.set_appointment(
        await lea(services, staff),
        lead.id,
        AppointmentForm(day="2030-01-07", time=hour, place="Mission Locale", with_whom="Léa"),
        now=now,
    )


@pytest.mark.parametrize("hour", ["09:00", "09:10", "09:14"])
async def test_fixed_on_saturday_evening_for_monday_9h_the_counsellor_is_told_nothing_will_go(
    services: Services, staff: Staff, hour: str
) -> None:
    """Monday 09:00 is the first moment a message may leave, too late for an appointment at
    {hour}: nothing is planned for the young person (no "C'est noté" at the very hour), and
    Léa reads that nothing will be sent, why, and to call; the lead's history keeps it."""
    result = await fixed(services, staff, hour, now=SATURDAY_21H)
    assert result.told_at is None
    assert await due_times(services) == []
    assert "aucun message" in result.notice
    assert "lun. 07/01 à 09:00" in result.notice
    assert "heures calmes" in result.notice
    assert "appelle" in result.notice.lower()
    async with services.sessions() as session:
        event = await session.scalar(select(LeadEvent).where(LeadEvent.kind == "appointment"))
    assert event is not None
    assert event.note == result.notice


async def test_fixed_on_saturday_evening_for_monday_9h15_it_is_told_at_9h(
    services: Services, staff: Staff
) -> None:
    """A quarter of an hour's notice is the least the bot gives: at 09:15 the young person is
    told at 09:00, and Léa reads when."""
    result = await fixed(services, staff, "09:15", now=SATURDAY_21H)
    monday_9h = datetime(2030, 1, 7, 9, tzinfo=PARIS)
    assert result.told_at == monday_9h
    assert "sera prévenue lun. 07/01 à 09:00" in result.notice
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    assert await services.scheduler.tick(now=monday_9h) == 1
    await deliver(services, monday_9h)
    [(_, told)] = phone.sent
    assert told.text.startswith("C'est noté : rendez-vous lun. 07/01 à 09h15")


async def test_a_reminder_that_could_only_leave_too_late_is_not_planned(
    services: Services, staff: Staff
) -> None:
    """Fixed on Saturday at 18:00 for Monday 09:00: told at once; the "2 h before" reminder
    would fall at 07:00, in the quiet hours, and could leave only at 09:00: it is not planned
    (the lead page would list a message that never goes)."""
    result = await fixed(services, staff, "09:00", now=datetime(2030, 1, 5, 18, tzinfo=PARIS))
    assert result.told_at == datetime(2030, 1, 5, 18, tzinfo=PARIS)
    assert result.notice == "Rendez-vous enregistré : la personne est prévenue."
    assert [kind for kind, _ in await due_times(services)] == ["appointment"]
