"""Each SMS is sent once: two dispatchers, retries, slow providers, and what a crash costs.

The channel, its HTTP transport, the database and the outbox dispatchers are the real ones; only
the provider at the other end of the HTTP call is a local fake. A "crash" is the dispatcher's
task cancelled while the provider holds the request it has already taken: nothing after that
point runs, as after ``kill -9``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach_bot.channels.sms import SmsChannel, SmsRenderer, SmsTransport
from outreach_bot.channels.sms_gateway import GatewayTransport
from outreach_bot.channels.sms_twilio import STATUS_PATH, TwilioTransport
from outreach_bot.core.delivery.outbox import LEASE, OutboxDispatcher, delivery_key, enqueue
from outreach_bot.core.delivery.sms_policy import DailyLimit
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.storage.models import Conversation, OutboxItem, OutboxStatus
from tests.channels.sms.conftest import (
    GATEWAY_LOGIN,
    GATEWAY_PASSWORD,
    OUR_NUMBER,
    PUBLIC_URL,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeProvider,
)


class Clock:
    """A dispatcher's clock that the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Line:
    """One provider's SMS line: the real channel over HTTP, and the fake provider behind it."""

    name: str
    services: Services
    channel: SmsChannel
    provider: FakeProvider

    def dispatcher(
        self, clock: Callable[[], datetime] | None = None, lease: timedelta = LEASE
    ) -> OutboxDispatcher:
        return OutboxDispatcher(
            self.services.sessions,
            {"sms": self.channel},
            clock=clock or (lambda: datetime.now(UTC)),
            lease=lease,
        )


def _transport(name: str, provider: FakeProvider, timeout: float = 15.0) -> SmsTransport:
    if name == "twilio":
        return TwilioTransport(
            account_sid=TWILIO_SID,
            auth_token=TWILIO_TOKEN,
            sender=OUR_NUMBER,
            base_url=provider.url,
            status_callback=PUBLIC_URL + STATUS_PATH,
            timeout=timeout,
        )
    return GatewayTransport(
        base_url=provider.url, login=GATEWAY_LOGIN, password=GATEWAY_PASSWORD, timeout=timeout
    )


@pytest.fixture(name="provider", params=["twilio", "smsgateway"])
def _provider(request: pytest.FixtureRequest) -> tuple[str, Services, FakeProvider]:
    """One provider's fake and the services configured for it."""
    twilio = request.param == "twilio"
    services = request.getfixturevalue("twilio_services" if twilio else "gateway_services")
    fake = request.getfixturevalue("twilio" if twilio else "gateway")
    return request.param, services, fake


@pytest.fixture(name="line")
async def _line(provider: tuple[str, Services, FakeProvider]) -> AsyncIterator[Line]:
    name, services, fake = provider
    transport = _transport(name, fake)
    limit = DailyLimit(
        sessions=services.sessions,
        events=services.events,
        content=services.content,
        limit=services.settings.sms_daily_limit,
    )
    await transport.start()
    yield Line(name, services, SmsChannel(transport, SmsRenderer(services.content), limit), fake)
    await transport.close()


async def queue(services: Services, count: int) -> list[int]:
    """``count`` SMS to ``count`` young people, one each, in one transaction."""
    ids = []
    async with services.sessions.begin() as session:
        for n in range(count):
            number = f"+336120000{n:02d}"
            conversation = Conversation(channel="sms", sender_hash=number, sender_ref=number)
            session.add(conversation)
            await session.flush()
            item = await enqueue(
                session, conversation, Reply(f"Message {n}"), dedupe=f"m{n}", in_reply=True
            )
            assert item is not None
            ids.append(item.id)
    return ids


async def rows(services: Services) -> list[OutboxItem]:
    async with services.sessions() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


async def test_two_dispatchers_with_retries_send_every_sms_exactly_once(line: Line) -> None:
    """Two dispatchers race over 12 SMS through a provider that fails at first: each goes once."""
    await queue(line.services, 12)
    line.provider.fail_with = 503
    clock = Clock()
    first, second = line.dispatcher(clock), line.dispatcher(clock)

    await asyncio.gather(first.run_once(), second.run_once())
    assert line.provider.sent == []
    assert {row.status for row in await rows(line.services)} == {OutboxStatus.PENDING}

    line.provider.fail_with = None
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        await asyncio.gather(first.run_once(), second.run_once(), first.run_once())

    bodies = sorted(message["body"] for message in line.provider.sent)
    assert bodies == sorted(f"Message {n}" for n in range(12))
    assert {row.status for row in await rows(line.services)} == {OutboxStatus.SENT}
    assert line.provider.attempts == 12 + 12  # one refused attempt and one accepted, per row


async def test_a_send_slower_than_the_lease_is_not_taken_over(line: Line) -> None:
    """A provider taking longer than the lease: the sending dispatcher renews it, the other
    dispatcher keeps its hands off, and the SMS goes once."""
    (item_id,) = await queue(line.services, 1)
    lease = timedelta(seconds=0.3)
    line.provider.hang_once = True
    slow = asyncio.create_task(line.dispatcher(lease=lease).run_once())
    await asyncio.wait_for(line.provider.accepted.wait(), timeout=5)

    other = line.dispatcher(lease=lease)
    for _ in range(10):  # a full second: more than three leases
        assert await other.run_once() == 0
        await asyncio.sleep(0.1)
    assert len(line.provider.sent) == 1
    (row,) = await rows(line.services)
    assert row.id == item_id
    assert row.status == "sending"
    slow.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await slow


async def test_a_crash_after_the_provider_took_the_sms(line: Line) -> None:
    """Killed after the provider accepted, before the row was marked sent: the row is sent again
    once the lease (5 minutes) has run out. The gateway refuses it by its id, so the young
    person gets one SMS; Twilio has no such id, so they get the same SMS a second time, 5
    minutes after the first, which is the window docs/channels/sms.md states."""
    await queue(line.services, 1)
    line.provider.hang_once = True
    start = Clock()
    crashed = asyncio.create_task(line.dispatcher(start).run_once())
    await asyncio.wait_for(line.provider.accepted.wait(), timeout=5)
    crashed.cancel()  # kill -9: the answer never comes back, nothing is written
    with pytest.raises(asyncio.CancelledError):
        await crashed
    (row,) = await rows(line.services)
    assert row.status == "sending"
    key = delivery_key(row)

    restarted = Clock()
    restarted.now = start.now + LEASE - timedelta(seconds=1)
    assert await line.dispatcher(restarted).run_once() == 0, "the lease still holds"
    restarted.advance(timedelta(seconds=2))
    assert await line.dispatcher(restarted).run_once() == 1

    (row,) = await rows(line.services)
    assert row.status == OutboxStatus.SENT
    bodies = [message["body"] for message in line.provider.sent]
    if line.name == "smsgateway":
        assert bodies == ["Message 0"], "the gateway refused the second copy by its id"
        assert line.provider.attempts == 2
        assert row.provider_message_id == key
        assert [message["raw"]["id"] for message in line.provider.sent] == [key]
    else:
        assert bodies == ["Message 0", "Message 0"], "Twilio's at-least-once window"
        assert restarted.now - start.now == LEASE + timedelta(seconds=1)
        assert timedelta(minutes=5) == LEASE


async def test_a_timeout_after_the_provider_took_the_sms(line: Line) -> None:
    """No crash, but the provider's answer is lost (a timeout): the row is retried. The gateway
    recognises the retry by its id and sends nothing more; Twilio sends the SMS again."""
    (item_id,) = await queue(line.services, 1)
    transport = _transport(line.name, line.provider, timeout=0.5)
    await transport.start()
    limit = DailyLimit(
        sessions=line.services.sessions,
        events=line.services.events,
        content=line.services.content,
        limit=20,
    )
    line.channel = SmsChannel(transport, SmsRenderer(line.services.content), limit)
    line.provider.hang_once = True
    clock = Clock()
    dispatcher = line.dispatcher(clock)
    try:
        assert await dispatcher.run_once() == 0
        (row,) = await rows(line.services)
        assert (row.status, row.last_error) == (
            OutboxStatus.PENDING,
            "twilio unreachable (TimeoutError)"
            if line.name == "twilio"
            else "sms gateway unreachable (TimeoutError)",
        )
        clock.advance(timedelta(seconds=6))
        assert await dispatcher.run_once() == 1
    finally:
        await transport.close()
    (row,) = await rows(line.services)
    assert (row.id, row.status) == (item_id, OutboxStatus.SENT)
    if line.name == "smsgateway":
        assert [m["body"] for m in line.provider.sent] == ["Message 0"]
        assert line.provider.attempts == 2
        assert row.provider_message_id == delivery_key(row)
    else:
        assert [m["body"] for m in line.provider.sent] == ["Message 0", "Message 0"]


@pytest.mark.parametrize("provider", ["smsgateway"], indirect=True)
async def test_two_sms_never_share_a_gateway_id(line: Line) -> None:
    """Each row has its own id: the gateway's deduplication never swallows a different SMS."""
    await queue(line.services, 3)
    await line.dispatcher().run_once()
    ids = [message["raw"]["id"] for message in line.provider.sent]
    assert ids == [delivery_key(row) for row in await rows(line.services)]
    assert len(set(ids)) == 3
    assert all(len(key) == 32 for key in ids)
