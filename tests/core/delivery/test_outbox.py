"""The persistent outbox: retries, no double sends, and clean failure outcomes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from outreach_bot.core.channel import (
    Delivery,
    PermanentFailureError,
    SendCancelledError,
    SendResult,
    TemporaryFailureError,
)
from outreach_bot.core.delivery.outbox import OutboxDispatcher, enqueue
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.storage.models import Conversation, OutboxItem
from tests.fakes import RecordingChannel


class FlakyChannel(RecordingChannel):
    """Fails the way it is told to, a given number of times, then records."""

    def __init__(self, failures: list[Exception]) -> None:
        super().__init__("telegram")
        self.failures = failures

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        await asyncio.sleep(0.01)  # let a concurrent dispatcher try to grab the same row
        return await super().send(recipient, reply, delivery)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def queue_one(services: Services, text: str = "hello", opted_out: bool = False) -> int:
    async with services.sessions.begin() as session:
        conversation = Conversation(
            channel="telegram", sender_hash=text, sender_ref="4242", opted_out=opted_out
        )
        session.add(conversation)
        await session.flush()
        item = await enqueue(session, conversation, Reply(text), dedupe=text, in_reply=True)
        return item.id if item else 0


async def row(services: Services, item_id: int) -> OutboxItem:
    async with services.sessions() as session:
        item = await session.get(OutboxItem, item_id)
    assert item is not None
    return item


async def test_temporary_failure_is_retried_after_backoff_then_delivered_once(
    services: Services,
) -> None:
    """An outage delays the message; it goes out once when the provider is back."""
    channel = FlakyChannel([TemporaryFailureError("down", retry_after=30)])
    item_id = await queue_one(services)
    clock = Clock()
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel}, clock=clock)
    assert await dispatcher.run_once() == 0
    assert (await row(services, item_id)).status == "pending"
    assert await dispatcher.run_once() == 0  # not due yet: backoff honours retry_after
    clock.now += timedelta(seconds=31)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert [reply.text for _, reply in channel.sent] == ["hello"]
    delivered = await row(services, item_id)
    assert delivered.status == "sent"
    assert delivered.attempts == 2
    assert "hello" not in delivered.payload  # the outbox keeps no text after delivery


async def test_two_dispatchers_never_send_the_same_row_twice(services: Services) -> None:
    """Claim-before-send: concurrent dispatchers split the work without duplicates."""
    channel = FlakyChannel([])
    first = OutboxDispatcher(services.sessions, {"telegram": channel})
    second = OutboxDispatcher(services.sessions, {"telegram": channel})
    for index in range(5):
        await queue_one(services, f"m{index}")
    sent = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(sent) == 5
    assert sorted(reply.text for _, reply in channel.sent) == [f"m{i}" for i in range(5)]


async def test_permanent_failure_marks_the_conversation_unreachable(services: Services) -> None:
    """A blocked bot or dead number stops further attempts."""
    channel = FlakyChannel([PermanentFailureError("blocked")])
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel})
    item_id = await queue_one(services)
    await dispatcher.run_once()
    item = await row(services, item_id)
    assert item.status == "failed"
    async with services.sessions() as session:
        conversation = await session.get(Conversation, item.conversation_id)
    assert conversation is not None
    assert conversation.unreachable is True


async def test_a_cancelled_send_is_not_retried(services: Services) -> None:
    """A channel that refuses (cost budget) leaves a cancelled row, never sent."""
    channel = FlakyChannel([SendCancelledError("budget")])
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel})
    item_id = await queue_one(services)
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert (await row(services, item_id)).status == "cancelled"
    assert channel.sent == []


async def test_nothing_is_queued_for_someone_who_said_stop(services: Services) -> None:
    """Opted-out conversations get no new outbox rows."""
    assert await queue_one(services, opted_out=True) == 0
    async with services.sessions() as session:
        assert list(await session.scalars(select(OutboxItem))) == []


async def test_a_long_outage_fails_the_row_but_keeps_the_person_reachable(
    services: Services,
) -> None:
    """Our provider's outage never marks the young person unreachable."""
    from outreach_bot.core.delivery.outbox import MAX_ATTEMPTS

    channel = FlakyChannel([TemporaryFailureError("down")] * MAX_ATTEMPTS)
    item_id = await queue_one(services)
    clock = Clock()
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel}, clock=clock)
    for _ in range(MAX_ATTEMPTS):
        await dispatcher.run_once()
        clock.now += timedelta(hours=1)
    item = await row(services, item_id)
    assert item.status == "failed"
    async with services.sessions() as session:
        conversation = await session.get(Conversation, item.conversation_id)
    assert conversation is not None
    assert conversation.unreachable is False
