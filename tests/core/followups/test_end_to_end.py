"""What a young person receives, end to end: SMS through the fake Twilio, Telegram through the
fake Bot API, the real app in between, the clock moved by hand for the scheduled messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.followups.appointments import AppointmentForm
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import Account, add_user, load_account
from outreach_bot.storage.models import Conversation, Lead, ScheduledMessage, ScheduledStatus
from tests.channels.sms.conftest import YOUNG_PERSON, TwilioPhone
from tests.channels.telegram.bot_api import CHAT_ID
from tests.channels.telegram.conftest import Harness
from tests.web.admin.conftest import make_lead

MONDAY = datetime(2030, 1, 7, 10, tzinfo=PARIS)
WEDNESDAY_17H = datetime(2030, 1, 9, 17, tzinfo=PARIS)
FRIDAY_9H = datetime(2030, 1, 11, 9, tzinfo=PARIS)


async def counsellor(services: Services) -> Account:
    user_id = await add_user(
        services.sessions,
        "lea@mission-locale.example",
        role="counsellor",
        password="correct horse battery staple",
        sectors=["nord-meusien"],
        display_name="Léa",
    )
    async with services.sessions() as session:
        account = await load_account(session, user_id)
    assert account is not None
    return account


async def recent(services: Services, lead_id: int) -> None:
    """The young person wrote on Sunday (make_lead stamps today's date, not the simulated one),
    so no two-week re-engagement is due during the week these tests simulate."""
    async with services.sessions.begin() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        conversation = await session.get(Conversation, lead.conversation_id)
        assert conversation is not None
        conversation.last_message_at = MONDAY - timedelta(days=1)


async def at(services: Services, moment: datetime) -> None:
    """Tick the scheduler and deliver the outbox as of ``moment``."""
    await services.scheduler.tick(now=moment)
    dispatcher = OutboxDispatcher(
        services.sessions, services.outbound, clock=lambda: moment.astimezone(UTC)
    )
    while await dispatcher.run_once():
        pass


async def test_sms_appointment_reminder_and_cannot_come(twilio_phone: TwilioPhone) -> None:
    """On SMS: the appointment, Wednesday's reminder, "jpourrai pas venir", then a better time."""
    services = twilio_phone.services
    lea = await counsellor(services)
    lead = await make_lead(services, channel="sms", sender=YOUNG_PERSON)
    await recent(services, lead.id)
    await services.appointments.set_appointment(
        lea,
        lead.id,
        AppointmentForm(
            day="2030-01-10", time="14:00", place="Mission Locale, Verdun", with_whom="Léa"
        ),
        now=MONDAY,
    )
    received: list[str] = []
    await at(services, MONDAY)
    received += twilio_phone.unread()
    await at(services, WEDNESDAY_17H)
    received += twilio_phone.unread()
    received += await twilio_phone.say("dsl jpourrai pas venir jeudi")
    received += await twilio_phone.say("1")
    async with services.sessions() as session:
        waiting = await session.scalar(
            select(func.count()).where(ScheduledMessage.status == ScheduledStatus.PENDING)
        )
    assert waiting == 0  # Thursday's 2-hour reminder was cancelled with the appointment
    print("\n--- SMS received ---\n" + "\n---\n".join(received))  # noqa: T201 - the note
    assert len(received) == 4, received  # nothing else: the re-engagement waits
    assert received[0].startswith("C'est noté : rendez-vous jeu. 10/01 à 14h00 avec Léa")
    assert received[1].startswith("Petit rappel : rendez-vous jeu. 10/01 à 14h00")
    assert "Je ne peux pas venir" in received[1]
    assert received[2].startswith("Merci de m'avoir prévenu, pas de souci.")
    assert received[3] == "C'est noté. Ton conseiller te propose un autre rendez-vous très vite."


async def test_telegram_absent_then_another_appointment(webhook: Harness) -> None:
    """On Telegram: the appointment, "absent", Friday's kind message, "Oui" and "Le matin"."""
    services, user, api = webhook.services, webhook.user, webhook.api
    lea = await counsellor(services)
    lead = await make_lead(services, channel="telegram", sender=str(CHAT_ID))
    await recent(services, lead.id)
    appointment_id = (
        await services.appointments.set_appointment(
            lea,
            lead.id,
            AppointmentForm(
                day="2030-01-10", time="14:00", place="Mission Locale, Verdun", with_whom="Léa"
            ),
            now=MONDAY,
        )
    ).id
    mark = len(api.calls)
    await at(services, MONDAY)
    await services.appointments.record_outcome(
        lea, lead.id, appointment_id, came=False, now=datetime(2030, 1, 10, 18, tzinfo=PARIS)
    )
    await at(services, FRIDAY_9H)
    received = [call.params["text"] for call in api.sent(CHAT_ID, since=mark)]
    received += await user.tap("/new_slot")
    received += await user.tap('/select{"value":"when_morning"}')
    print("\n--- Telegram received ---\n" + "\n---\n".join(received))  # noqa: T201
    assert received[0].startswith("C'est noté : rendez-vous jeu. 10/01 à 14h00 avec Léa")
    assert received[1] == (
        "Salut ! On ne t'a pas vu au rendez-vous, ça arrive. Tu veux qu'on en fixe un autre ?"
    )
    assert received[2] == "Super ! Quel moment t'arrangerait ?"
    assert received[3] == "C'est noté. Ton conseiller te propose un autre rendez-vous très vite."
