"""The crisis text kept back during a takeover: it goes at night too, and not after an answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from outreach_bot.core.leads.takeover import CRISIS_CHECK
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Author, Direction, Message, ScheduledStatus
from tests.core.schedule.test_scheduler import (
    PARIS,
    plan,
    queued_texts,
    scheduled,
    start_conversation,
)

TUESDAY_23H = datetime(2030, 1, 8, 23, tzinfo=PARIS)


async def test_the_crisis_text_goes_in_the_quiet_hours_and_a_reminder_waits(
    services: Services,
) -> None:
    """At 23:00 the crisis text kept back is queued; an ordinary message waits for morning."""
    conversation_id = await start_conversation(services)
    crisis = await plan(
        services,
        conversation_id,
        TUESDAY_23H,
        kind=CRISIS_CHECK,
        text="Appelle le 3114",
        message=None,
    )
    reminder = await plan(services, conversation_id, TUESDAY_23H, kind="reminder")
    assert await services.scheduler.tick(now=TUESDAY_23H + timedelta(minutes=1)) == 1
    assert (await scheduled(services, crisis)).status == ScheduledStatus.SENT
    assert (await scheduled(services, reminder)).status == ScheduledStatus.PENDING
    assert "Appelle le 3114" in await queued_texts(services, conversation_id)


async def test_the_crisis_text_is_dropped_once_a_counsellor_has_written(
    services: Services,
) -> None:
    """The guard: a counsellor's message after the crisis means the bot stays quiet."""
    conversation_id = await start_conversation(services)
    due = TUESDAY_23H
    crisis = await plan(
        services, conversation_id, due, kind=CRISIS_CHECK, text="Appelle le 3114", message=None
    )
    row = await scheduled(services, crisis)
    async with services.sessions.begin() as session:
        session.add(
            Message(
                conversation_id=conversation_id,
                direction=Direction.OUTBOUND,
                author=Author.COUNSELLOR,
                text="Je suis là",
                created_at=row.created_at + timedelta(seconds=30),
            )
        )
    assert await services.scheduler.tick(now=due + timedelta(minutes=1)) == 0
    done = await scheduled(services, crisis)
    assert done.status == ScheduledStatus.SKIPPED
    assert "Appelle le 3114" not in await queued_texts(services, conversation_id)
