"""Concurrent delivery with per-recipient pacing: nobody waits behind a chat that is not due.

The channel here records what it was given and when (by the dispatcher's clock, which the
test moves), so pacing is asserted as order and counts, never as wall-clock durations.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.core.channel import Delivery, InboundMessage, SendLimits, SendResult
from outreach_bot.core.delivery.outbox import CRISIS_PRIORITY, OutboxDispatcher, enqueue
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Base, Conversation, OutboxItem, OutboxStatus
from tests.conftest import make_settings
from tests.fakes import FakeNlu

TELEGRAM_LIKE = SendLimits(per_second=30, recipient_interval=1.0, concurrent=8)


class Clock:
    """The dispatcher's clock, moved by the test; a minute ahead, so what the test queues
    (stamped with the real time) is due at once."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class PacedChannel:
    """A provider that answers at once and records each message with the clock's time."""

    name = "telegram"

    def __init__(self, limits: SendLimits, clock: Clock | None = None) -> None:
        self.limits = limits
        self.clock = clock
        self.sent: list[tuple[str, str, datetime | None]] = []

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        await asyncio.sleep(0)  # let other lanes run, as a real HTTP call would
        self.sent.append((recipient, reply.text, self.clock() if self.clock else None))
        return SendResult(provider_message_id=f"fake-{len(self.sent)}", segments=1)

    def texts(self) -> list[str]:
        return [text for _, text, _ in self.sent]


async def conversation_of(services: Services, chat: str) -> int:
    async with services.sessions.begin() as session:
        conversation = Conversation(
            channel="telegram", sender_hash=f"hash-{chat}", sender_ref=chat
        )
        session.add(conversation)
        await session.flush()
        return conversation.id


async def queue(services: Services, conversation_id: int, text: str, priority: int = 0) -> int:
    async with services.sessions.begin() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation is not None
        item = await enqueue(
            session, conversation, Reply(text), dedupe=text, in_reply=True, priority=priority
        )
        assert item is not None
        return item.id


async def status(services: Services, item_id: int) -> str:
    async with services.sessions() as session:
        item = await session.get(OutboxItem, item_id)
    assert item is not None
    return item.status


async def test_a_chat_not_due_does_not_hold_up_another_chats_reply(services: Services) -> None:
    """Léa just got a message, so her next one waits its second; Sami's goes out meanwhile."""
    clock = Clock()
    channel = PacedChannel(TELEGRAM_LIKE, clock)
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel}, clock=clock)
    lea, sami = await conversation_of(services, "1001"), await conversation_of(services, "2002")
    await queue(services, lea, "Léa 1")
    assert await dispatcher.run_once() == 1

    second_to_lea = await queue(services, lea, "Léa 2")
    await queue(services, sami, "Sami 1")
    assert await dispatcher.run_once() == 1
    assert channel.texts() == ["Léa 1", "Sami 1"]
    assert await status(services, second_to_lea) == OutboxStatus.PENDING

    clock.advance(1.0)
    assert await dispatcher.run_once() == 1
    assert channel.texts() == ["Léa 1", "Sami 1", "Léa 2"]


async def test_one_chat_gets_one_message_per_slot_in_order(services: Services) -> None:
    """Three replies to one chat leave one per second, in the order they were queued."""
    clock = Clock()
    channel = PacedChannel(TELEGRAM_LIKE, clock)
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel}, clock=clock)
    lea = await conversation_of(services, "1001")
    for text in ("one", "two", "three"):
        await queue(services, lea, text)

    counts = [await dispatcher.run_once()]
    clock.advance(0.5)
    counts.append(await dispatcher.run_once())  # half a second: not yet
    clock.advance(0.5)
    counts.append(await dispatcher.run_once())
    counts.append(await dispatcher.run_once())  # the same instant: the slot was just used
    clock.advance(1.0)
    counts.append(await dispatcher.run_once())
    assert counts == [1, 0, 1, 0, 1]
    assert channel.texts() == ["one", "two", "three"]
    moments = [moment for _, _, moment in channel.sent]
    assert all(
        later is not None and earlier is not None and later - earlier >= timedelta(seconds=1)
        for earlier, later in itertools.pairwise(moments)
    )


async def test_a_crisis_reply_leaves_before_older_ordinary_replies(services: Services) -> None:
    """With one send at a time, the crisis answer queued last still goes first."""
    channel = PacedChannel(SendLimits(concurrent=1))
    dispatcher = OutboxDispatcher(services.sessions, {"telegram": channel})
    for index in range(3):
        chat = await conversation_of(services, f"10{index}")
        await queue(services, chat, f"ordinary {index}")
    in_distress = await conversation_of(services, "999")
    await queue(services, in_distress, "3114", priority=CRISIS_PRIORITY)
    assert await dispatcher.run_once() == 4
    assert channel.texts()[0] == "3114"
    assert channel.texts()[1:] == ["ordinary 0", "ordinary 1", "ordinary 2"]


async def test_the_core_queues_a_crisis_answer_with_the_crisis_priority(
    services: Services,
) -> None:
    """A young person writing that they want to die: the bot's answer is queued first in line."""
    await services.conversations.handle_inbound(
        InboundMessage("telegram", "5005", "salut", message_id="1")
    )
    await services.conversations.handle_inbound(
        InboundMessage("telegram", "5005", "je veux mourir", message_id="2")
    )
    async with services.sessions() as session:
        rows = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    greeting = [row.priority for row in rows if row.created_at == rows[0].created_at]
    crisis = [row.priority for row in rows if row.created_at != rows[0].created_at]
    assert set(greeting) == {0}
    assert crisis
    assert set(crisis) == {CRISIS_PRIORITY}


@pytest.mark.postgres
async def test_two_dispatchers_on_postgresql_send_nothing_twice_and_keep_each_chats_order(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two workers' dispatchers run side by side over 60 rows to 20 chats: each row leaves
    once, each chat's rows in order, never two of one chat at once across the workers."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    nlu: NluBackend = FakeNlu({})
    limits = SendLimits(per_second=None, recipient_interval=0.05, concurrent=8)
    async with (
        open_services(settings, nlu=nlu, create_schema=True) as first,
        open_services(settings, nlu=nlu) as second,
    ):
        try:
            channel = PacedChannel(limits)
            chats = [await conversation_of(first, f"{7000 + n}") for n in range(20)]
            for turn in range(3):
                for number, chat in enumerate(chats):
                    await queue(first, chat, f"{number}:{turn}")
            dispatchers = [
                OutboxDispatcher(services.sessions, {"telegram": channel})
                for services in (first, second)
            ]
            running = [
                asyncio.create_task(dispatcher.run_forever(interval=0.05))
                for dispatcher in dispatchers
            ]
            try:
                for _ in range(600):
                    if len(channel.sent) >= 60:
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # would anything leave a second time?
            finally:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
            texts = channel.texts()
            assert sorted(texts) == sorted(f"{n}:{t}" for n in range(20) for t in range(3))
            for number in range(20):
                mine = [text for text in texts if text.split(":")[0] == str(number)]
                assert mine == [f"{number}:{turn}" for turn in range(3)]
            async with first.sessions() as session:
                statuses = set(await session.scalars(select(OutboxItem.status)))
            assert statuses == {OutboxStatus.SENT}
        finally:
            async with first.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


@pytest.mark.postgres
async def test_two_workers_on_postgresql_keep_the_bots_rate_together(
    tmp_path: Path, postgres_url: str
) -> None:
    """Telegram counts messages per bot, not per worker: with ``run --workers 2`` the two
    dispatchers together send no more in a second than the bot may, then the rest follows."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    nlu: NluBackend = FakeNlu({})
    limits = SendLimits(per_second=4, recipient_interval=1.0, concurrent=8)
    clock = Clock()  # frozen unless the test moves it: only the bot's rate can hold a send
    async with (
        open_services(settings, nlu=nlu, create_schema=True) as first,
        open_services(settings, nlu=nlu) as second,
    ):
        try:
            channel = PacedChannel(limits, clock)
            for number in range(12):
                chat = await conversation_of(first, f"{8000 + number}")
                await queue(first, chat, f"hello {number}")
            dispatchers = [
                OutboxDispatcher(services.sessions, {"telegram": channel}, clock=clock, workers=2)
                for services in (first, second)
            ]

            async def one_second() -> int:
                """What both send at this instant, round after round, until nothing more."""
                total = 0
                while sent := sum(await asyncio.gather(*(d.run_once() for d in dispatchers))):
                    total += sent
                return total

            assert await one_second() == 4
            clock.advance(1.0)
            assert await one_second() == 4
            clock.advance(1.0)
            assert await one_second() == 4
            assert sorted(channel.texts()) == sorted(f"hello {n}" for n in range(12))
        finally:
            async with first.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


def test_each_worker_keeps_an_equal_share_of_a_providers_limits() -> None:
    """Two workers: half the bot's rate and half the sends in flight each; a chat's second
    is not halved (the outbox claim keeps it across workers)."""
    telegram = SendLimits(per_second=30, recipient_interval=1.0, concurrent=16)
    assert telegram.shared_by(2) == SendLimits(per_second=15, recipient_interval=1.0, concurrent=8)
    assert telegram.shared_by(1) == telegram
    twilio = SendLimits(concurrent=10)
    assert twilio.shared_by(3) == SendLimits(concurrent=3)
    assert SendLimits(concurrent=1).shared_by(4).concurrent == 1
