"""Scheduled messages: sent once, within the sending rules, and never after STOP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.delivery.outbox import OutboxDispatcher, decode
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.schedule import cancel_pending, pending_for, schedule
from outreach_bot.core.services import Services
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import (
    Conversation,
    Message,
    OutboxItem,
    OutboxStatus,
    ScheduledMessage,
    ScheduledStatus,
    User,
)
from tests.fakes import RecordingChannel

PHONE = "+33612345678"
TUESDAY_10H = datetime(2030, 1, 8, 10, tzinfo=PARIS)


async def start_conversation(services: Services, *, channel: str = "sms") -> int:
    """A young person who said hello on ``channel``; their conversation id."""
    result = await services.conversations.handle_inbound(
        InboundMessage(channel=channel, sender_id=PHONE, text="salut", message_id="m1")
    )
    return result.conversation_id


async def plan(services: Services, conversation_id: int, due: datetime, **options: object) -> int:
    async with services.sessions.begin() as session:
        row = await schedule(
            session,
            conversation_id,
            kind=str(options.pop("kind", "test")),
            due_at=due,
            **({"message": "greet"} | options),  # type: ignore[arg-type]
        )
        return row.id


async def scheduled(services: Services, row_id: int) -> ScheduledMessage:
    async with services.sessions() as session:
        row = await session.get(ScheduledMessage, row_id)
    assert row is not None
    return row


async def queued_texts(services: Services, conversation_id: int) -> list[str]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(OutboxItem)
            .where(OutboxItem.conversation_id == conversation_id)
            .order_by(OutboxItem.id)
        )
        return [decode(row.payload)[1].text for row in rows if row.status != "cancelled"]


async def test_a_due_message_is_queued_once_and_delivered(services: Services) -> None:
    """A message due at 10:00 on a Tuesday reaches the phone once, however often ticks run."""
    phone = RecordingChannel("sms")
    services.outbound["sms"] = phone
    conversation_id = await start_conversation(services)
    before = len(await queued_texts(services, conversation_id))
    row_id = await plan(services, conversation_id, TUESDAY_10H)
    assert await services.scheduler.tick(now=TUESDAY_10H - timedelta(minutes=1)) == 0
    assert await services.scheduler.tick(now=TUESDAY_10H) == 1
    assert await services.scheduler.tick(now=TUESDAY_10H + timedelta(hours=1)) == 0
    texts = await queued_texts(services, conversation_id)
    assert len(texts) == before + 1
    assert texts[-1].startswith("Salut ! Je suis le bot")
    dispatcher = OutboxDispatcher(services.sessions, services.outbound)
    await dispatcher.run_once()
    assert [reply.text for _, reply in phone.sent][-1] == texts[-1]
    row = await scheduled(services, row_id)
    assert row.status == ScheduledStatus.SENT
    async with services.sessions() as session:
        line = await session.get(Message, row.message_id)
    assert line is not None
    assert line.author == "bot"


@pytest.mark.parametrize(
    ("due", "sent_at"),
    [
        (datetime(2030, 1, 8, 22, tzinfo=PARIS), datetime(2030, 1, 9, 9, tzinfo=PARIS)),
        (datetime(2030, 1, 13, 11, tzinfo=PARIS), datetime(2030, 1, 14, 9, tzinfo=PARIS)),
        (datetime(2030, 5, 1, 11, tzinfo=PARIS), datetime(2030, 5, 2, 9, tzinfo=PARIS)),
        (datetime(2030, 1, 8, 19, 59, tzinfo=PARIS), datetime(2030, 1, 9, 9, tzinfo=PARIS)),
    ],
    ids=["tuesday-night", "sunday", "1-may", "a-minute-before-20h"],
)
async def test_what_falls_due_when_closed_waits_for_the_next_open_moment(
    services: Services, due: datetime, sent_at: datetime
) -> None:
    """Due at night, on a Sunday or a holiday, a message goes at 09:00 the next open day."""
    conversation_id = await start_conversation(services)
    row_id = await plan(services, conversation_id, due)
    moment = due
    while moment < sent_at:
        assert await services.scheduler.tick(now=moment) == 0, moment
        moment += timedelta(minutes=20)
    assert await services.scheduler.tick(now=sent_at) == 1
    row = await scheduled(services, row_id)
    assert row.done_at is not None
    assert row.done_at.replace(tzinfo=UTC) == sent_at


async def test_stop_cancels_every_pending_message_in_its_transaction(services: Services) -> None:
    """After STOP nothing scheduled goes out, today or next week."""
    conversation_id = await start_conversation(services)
    ids = [
        await plan(services, conversation_id, TUESDAY_10H + timedelta(days=days))
        for days in (0, 1, 7)
    ]
    await services.conversations.handle_inbound(
        InboundMessage(channel="sms", sender_id=PHONE, text="STOP", message_id="m2")
    )
    for row_id in ids:
        row = await scheduled(services, row_id)
        assert (row.status, row.reason) == (ScheduledStatus.CANCELLED, "stop")
    before = await queued_texts(services, conversation_id)
    assert await services.scheduler.tick(now=TUESDAY_10H + timedelta(days=8)) == 0
    assert await queued_texts(services, conversation_id) == before


async def test_erasure_deletes_the_scheduled_messages(services: Services) -> None:
    """SUPPRIMER, confirmed, leaves no scheduled row behind."""
    conversation_id = await start_conversation(services)
    await plan(services, conversation_id, TUESDAY_10H)
    for number, text in enumerate(("SUPPRIMER", "oui"), start=2):
        await services.conversations.handle_inbound(
            InboundMessage(channel="sms", sender_id=PHONE, text=text, message_id=f"m{number}")
        )
    async with services.sessions() as session:
        assert await session.get(Conversation, conversation_id) is None
        assert await session.scalar(select(func.count()).select_from(ScheduledMessage)) == 0


async def test_a_reminder_past_its_expiry_is_dropped(services: Services) -> None:
    """A reminder held by the night past the meeting it announces is never sent."""
    conversation_id = await start_conversation(services)
    due = datetime(2030, 1, 8, 21, tzinfo=PARIS)
    row_id = await plan(
        services, conversation_id, due, expires_at=datetime(2030, 1, 9, 8, tzinfo=PARIS)
    )
    assert await services.scheduler.tick(now=datetime(2030, 1, 9, 9, tzinfo=PARIS)) == 0
    assert (await scheduled(services, row_id)).status == ScheduledStatus.EXPIRED


async def test_a_guard_can_skip_a_kind_with_its_reason(services: Services) -> None:
    """A kind's guard decides at send time, and its reason is kept on the row."""

    async def closed_lead(*_: object) -> str | None:
        return "lead closed"

    services.scheduler.guard("reengage", closed_lead)
    conversation_id = await start_conversation(services)
    row_id = await plan(services, conversation_id, TUESDAY_10H, kind="reengage")
    kept_id = await plan(services, conversation_id, TUESDAY_10H, kind="other")
    assert await services.scheduler.tick(now=TUESDAY_10H) == 1
    row = await scheduled(services, row_id)
    assert (row.status, row.reason) == (ScheduledStatus.SKIPPED, "lead closed")
    assert (await scheduled(services, kept_id)).status == ScheduledStatus.SENT


async def test_the_sms_budget_moves_a_scheduled_sms_to_the_next_day(services: Services) -> None:
    """Over the day's SMS budget a scheduled SMS waits for the next open morning."""

    class Spent:
        async def has_room(self, *_: object) -> bool:
            return False

    services.budgets["sms"] = Spent()
    conversation_id = await start_conversation(services)
    row_id = await plan(services, conversation_id, TUESDAY_10H)
    assert await services.scheduler.tick(now=TUESDAY_10H) == 0
    row = await scheduled(services, row_id)
    assert row.status == ScheduledStatus.PENDING
    assert row.due_at.replace(tzinfo=UTC) == datetime(2030, 1, 9, 9, tzinfo=PARIS)


async def test_web_chat_conversations_are_skipped(services: Services) -> None:
    """The web chat cannot be written to first: its scheduled row is skipped, not stuck."""
    conversation_id = await start_conversation(services, channel="rest")
    row_id = await plan(services, conversation_id, TUESDAY_10H)
    assert await services.scheduler.tick(now=TUESDAY_10H) == 0
    assert (await scheduled(services, row_id)).status == ScheduledStatus.SKIPPED


async def test_a_counsellors_text_goes_as_theirs_and_silences_the_bot(
    services: Services,
) -> None:
    """A counsellor's scheduled text joins the transcript under their name; the bot hushes."""
    conversation_id = await start_conversation(services)
    async with services.sessions.begin() as session:
        user = User(email="lea@example.org", password_hash="x", role="counsellor")
        session.add(user)
        await session.flush()
        user_id = user.id
    row_id = await plan(
        services,
        conversation_id,
        TUESDAY_10H,
        message=None,
        text="Coucou, c'est Léa : on se voit jeudi ?",
        created_by=user_id,
    )
    assert await services.scheduler.tick(now=TUESDAY_10H) == 1
    row = await scheduled(services, row_id)
    async with services.sessions() as session:
        line = await session.get(Message, row.message_id)
        conversation = await session.get(Conversation, conversation_id)
    assert line is not None
    assert (line.author, line.author_user_id) == ("counsellor", user_id)
    assert conversation is not None
    assert conversation.takeover_by == user_id


async def test_cancel_by_kind_and_the_pending_list(services: Services) -> None:
    """Cancelling some kinds leaves the others listed, soonest first."""
    conversation_id = await start_conversation(services)
    await plan(services, conversation_id, TUESDAY_10H + timedelta(days=2), kind="reminder")
    keep = await plan(services, conversation_id, TUESDAY_10H + timedelta(days=1), kind="later")
    async with services.sessions.begin() as session:
        assert await cancel_pending(session, conversation_id, reason="moved", kinds={"reminder"})
        assert [row.id for row in await pending_for(session, conversation_id)] == [keep]


@pytest.mark.parametrize(
    "options",
    [
        {"message": None},
        {"message": None, "text": "   "},
        {"text": "hello"},
        {"due": datetime(2030, 1, 8, 10)},  # noqa: DTZ001 - the naive date refused
        {"expires_at": TUESDAY_10H - timedelta(hours=1)},
    ],
    ids=["nothing", "blank", "both", "naive", "expires-first"],
)
async def test_a_malformed_schedule_is_refused(services: Services, options: dict) -> None:
    """Nothing to say, two things to say, a naive date or an early expiry: a clear error."""
    conversation_id = await start_conversation(services)
    due = options.pop("due", TUESDAY_10H)
    with pytest.raises(InvalidInputError):
        await plan(services, conversation_id, due, **options)
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ScheduledMessage)) == 0
    assert OutboxStatus.PENDING  # the outbox is untouched too


async def test_a_typed_number_picks_a_button_of_the_scheduled_message(services: Services) -> None:
    """On SMS the young person answers "1" to a scheduled message: it means its first button."""
    conversation_id = await start_conversation(services)
    await plan(services, conversation_id, TUESDAY_10H, buttons=[("button_yes", "/affirm")])
    assert await services.scheduler.tick(now=TUESDAY_10H) == 1
    async with services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None
    assert DialogueState.from_json(conversation.state).buttons == ["/affirm"]
