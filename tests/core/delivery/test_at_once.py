"""Replies claimed in the transaction that writes them leave at once, without a round."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.config import Settings
from outreach_bot.core.channel import Delivery, InboundMessage, SendResult
from outreach_bot.core.delivery.outbox import encode
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Conversation, OutboxItem, OutboxStatus
from outreach_bot.storage.session import create_engine
from tests.fakes import RecordingChannel


async def sent_soon(channel: RecordingChannel, count: int) -> list[str]:
    """The texts the channel sent, once there are ``count`` of them (at most 5 s)."""
    for _ in range(500):
        if len(channel.sent) >= count:
            break
        await asyncio.sleep(0.01)
    return [reply.text for _, reply in channel.sent]


def message(text: str, number: int) -> InboundMessage:
    return InboundMessage("telegram", "4242", text, message_id=str(number))


async def statuses(services: Services) -> list[str]:
    async with services.sessions() as session:
        return list(await session.scalars(select(OutboxItem.status).order_by(OutboxItem.id)))


async def test_a_reply_leaves_once_the_message_is_stored_with_no_round_at_all(
    services: Services,
) -> None:
    """Nothing runs the dispatcher's loop here: the reply still leaves, once."""
    channel = RecordingChannel("telegram")
    services.outbound["telegram"] = channel

    result = await services.conversations.handle_inbound(message("salut", 1))

    assert await sent_soon(channel, 1) == [result.replies[0].text]
    await services.dispatcher.run_once()  # lets the lane's outcome be written
    assert (await statuses(services))[0] == OutboxStatus.SENT
    assert len(channel.sent) == 1


async def test_a_reply_waits_behind_an_earlier_one_still_to_send(services: Services) -> None:
    """The person gets their answers in the order they were written."""
    channel = RecordingChannel("telegram")
    # No channel yet: the first answer stays queued (Telegram was down at start-up, say).
    first = await services.conversations.handle_inbound(message("salut", 1))
    assert await statuses(services) == [OutboxStatus.PENDING] * len(first.replies)
    services.outbound["telegram"] = channel

    second = await services.conversations.handle_inbound(message("je cherche un job", 2))
    await asyncio.sleep(0.2)
    assert channel.sent == [], "not before the earlier answer"

    await services.dispatcher.run_once()
    texts = [reply.text for _, reply in channel.sent]
    assert texts == [reply.text for reply in [*first.replies, *second.replies]]


async def test_a_turn_that_fails_after_its_claim_holds_nothing_back(services: Services) -> None:
    """A transaction that rolls back gives its place back: the next reply leaves at once."""
    channel = RecordingChannel("telegram")
    channel.limits = type(channel.limits)(concurrent=1)
    services.outbound["telegram"] = channel
    async with services.sessions.begin() as session:
        conversation = Conversation(channel="telegram", sender_hash="h", sender_ref="4242")
        session.add(conversation)
    dispatcher = services.dispatcher

    def row(text: str) -> OutboxItem:
        now = datetime.now(UTC)
        return OutboxItem(
            conversation_id=conversation.id,
            channel="telegram",
            dedupe_key=text,
            payload=encode("4242", Reply(text), in_reply=True),
            not_before=now,
            created_at=now,
        )

    async def failing_turn() -> None:
        with dispatcher.at_once() as sending:
            async with services.sessions.begin() as session:
                lost = row("never written")
                await sending.claim(session, conversation.id, [lost])
                session.add(lost)
                raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        await failing_turn()

    with dispatcher.at_once() as sending:
        async with services.sessions.begin() as session:
            kept = row("written")
            await sending.claim(session, conversation.id, [kept])
            session.add(kept)
    assert not sending.left
    assert await sent_soon(channel, 1) == ["written"]
    await dispatcher.run_once()
    assert await statuses(services) == [OutboxStatus.SENT]


class SlowChannel(RecordingChannel):
    """A provider that takes its time: a send lasts until ``release`` is set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        self.started.set()
        await self.release.wait()
        return await super().send(recipient, reply, delivery)


async def test_a_reply_on_its_way_when_the_bot_stops_is_recorded_as_sent(
    settings: Settings, embedded_nlu: NluBackend
) -> None:
    """Stopping while a reply is on its way waits for it, so a restart never sends it twice."""
    channel = SlowChannel("telegram")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        services.outbound["telegram"] = channel
        result = await services.conversations.handle_inbound(message("salut", 1))
        await asyncio.wait_for(channel.started.wait(), timeout=5)
        # The provider answers half a second into the stop; nothing runs the outbox loop.
        asyncio.get_running_loop().call_later(0.5, channel.release.set)

    # Read at once, as the next start would: a row still "sending" is sent again once its
    # lease runs out.
    engine = create_engine(settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(OutboxItem.status))).scalars().all()
    finally:
        await engine.dispose()
    assert rows[0] == OutboxStatus.SENT
    assert [reply.text for _, reply in channel.sent] == [result.replies[0].text]
