"""Delivery to Telegram through the outbox: flood control, blocked bots, outages, bad tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from outreach_bot.app import create_web_app
from outreach_bot.channels.telegram import TelegramChannel, TelegramSetupError
from outreach_bot.channels.telegram_outbound import TelegramOutbound
from outreach_bot.core.delivery.outbox import enqueue
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.storage.models import Conversation, OutboxItem, OutboxStatus
from tests.channels.telegram.bot_api import CHAT_ID, FakeBotApi, text_update
from tests.channels.telegram.conftest import (
    ManualClock,
    TelegramUser,
    eventually,
    manual_dispatcher,
    telegram_services,
    telegram_settings,
)


@pytest.fixture(name="services")
async def _services(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Services]:
    async with telegram_services(telegram_settings(tmp_path, api)) as services:
        yield services


@pytest.fixture(name="channel")
async def _channel(services: Services) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(services, retry_delay=0.05)
    await channel.start()
    yield channel
    await channel.stop()


async def push(api: FakeBotApi, services: Services) -> TelegramUser:
    async def deliver(update: dict[str, Any]) -> dict[str, Any]:
        return api.push(update)

    return TelegramUser(api, services, deliver)


async def outbox_rows(services: Services) -> list[OutboxItem]:
    async with services.sessions() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


async def test_flood_control_is_retried_after_retry_after(
    api: FakeBotApi, services: Services, channel: TelegramChannel
) -> None:
    """A 429 from Telegram delays the message; it is delivered once the wait is over."""
    user = await push(api, services)
    api.flood.append(7)
    await user.send(text_update("salut"), drain=False)
    await services.dispatcher.run_once()  # the reply was tried as soon as it was written

    (row,) = await outbox_rows(services)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error == "flood control"
    retry_at = row.not_before.replace(tzinfo=UTC)  # SQLite gives naive UTC back
    assert retry_at - row.created_at.replace(tzinfo=UTC) >= timedelta(seconds=7)

    clock = ManualClock()
    dispatcher = manual_dispatcher(services, clock)
    clock.offset = retry_at - timedelta(seconds=1) - datetime.now(UTC)
    assert await dispatcher.run_once() == 0, "not before retry_after (7 s)"
    clock.advance(2)
    assert await dispatcher.run_once() == 1
    (row,) = await outbox_rows(services)
    assert row.status == OutboxStatus.SENT
    statuses = [call.status for call in api.methods("sendMessage")]
    assert statuses == [429, 200]
    assert "robot" in api.sent(CHAT_ID)[0].params["text"]


async def test_user_who_blocked_the_bot_is_not_written_to_again(
    api: FakeBotApi, services: Services, channel: TelegramChannel
) -> None:
    """A 403 (bot blocked) marks the conversation unreachable and drops the message."""
    user = await push(api, services)
    api.blocked.add(CHAT_ID)
    await user.send(text_update("salut"), drain=False)

    assert await services.dispatcher.run_once() == 0
    (row,) = await outbox_rows(services)
    assert row.status == OutboxStatus.FAILED
    assert "blocked" in (row.last_error or "")
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.unreachable is True


async def test_bot_api_outage_during_sending_keeps_the_message(
    api: FakeBotApi, services: Services, channel: TelegramChannel
) -> None:
    """While the Bot API answers 502 the reply waits in the outbox, then goes out once."""
    user = await push(api, services)
    api.sending_down = True
    await user.send(text_update("salut"), drain=False)
    assert await services.dispatcher.run_once() == 0
    (row,) = await outbox_rows(services)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    api.sending_down = False
    clock = ManualClock()
    clock.advance(10)
    assert await manual_dispatcher(services, clock).run_once() == 1
    assert len(api.sent(CHAT_ID)) == 1


async def test_bot_api_down_at_start_up_does_not_stop_the_server(
    api: FakeBotApi, services: Services
) -> None:
    """The server starts without Telegram; the channel comes up by itself when the API is back."""
    api.down = True
    channel = TelegramChannel(services, retry_delay=0.05)
    await channel.start()
    try:
        assert "telegram" not in services.outbound
        await eventually(lambda: len(api.methods("getMe")) >= 2, what="a second getMe")
        api.down = False
        await eventually(channel.live.is_set, what="the channel to come up")
        assert services.outbound["telegram"] is channel.outbound
        user = await push(api, services)
        await user.send(text_update("salut"), drain=False)
    finally:
        await channel.stop()
    assert "telegram" not in services.outbound


async def test_wrong_token_fails_start_up_with_one_clear_line(
    tmp_path: Path, api: FakeBotApi
) -> None:
    """A token Telegram rejects stops start-up with one line naming the variable, not the token."""
    settings = telegram_settings(tmp_path, api, telegram_token="999999:WRONG-token")
    async with telegram_services(settings) as services:
        runner = web.AppRunner(create_web_app(services))  # what `outreach-bot run` does
        with pytest.raises(TelegramSetupError) as caught:
            await runner.setup()
        await runner.cleanup()
    message = str(caught.value)
    assert message.startswith("OUTREACH_TELEGRAM_TOKEN: ")
    assert "\n" not in message
    assert "WRONG" not in message
    assert not api.methods("getUpdates")


async def test_webhook_url_refused_by_telegram_fails_start_up(
    tmp_path: Path, api: FakeBotApi
) -> None:
    """A public URL Telegram will not post to is reported at start-up, naming the variable."""
    settings = telegram_settings(
        tmp_path, api, telegram_webhook=True, public_url="http://bot.example.org/"
    )
    async with telegram_services(settings) as services:
        channel = TelegramChannel(services)
        with pytest.raises(TelegramSetupError, match=r"(?i)^OUTREACH_PUBLIC_URL: .*https"):
            await channel.start()


async def test_messages_to_one_chat_are_spaced(api: FakeBotApi, channel: TelegramChannel) -> None:
    """Two messages to the same chat leave at least the pacing interval apart."""
    outbound = TelegramOutbound(channel.application.bot, codec=channel.codec, interval=0.3)
    started = time.monotonic()
    await outbound.send(str(CHAT_ID), Reply("Un"))
    await outbound.send(str(CHAT_ID), Reply("Deux"))
    await outbound.send("7010203041", Reply("Autre chat"))
    first, second, other = api.sent()
    assert second.at - first.at >= 0.29
    assert other.at - second.at < 0.25
    assert time.monotonic() - started < 2


async def test_long_reply_is_split_with_the_keyboard_on_the_last_part(
    api: FakeBotApi, channel: TelegramChannel
) -> None:
    """A 6000-character answer arrives as two messages; the buttons come with the last one."""
    text = "\n\n".join(["Une info utile pour toi. " * 40] * 6).strip()
    reply = Reply(text, (Button("Oui", "/affirm"), Button("Non", "/deny")))
    result = await channel.outbound.send(str(CHAT_ID), reply)
    first, second = api.sent(CHAT_ID)
    assert result.segments == 2
    assert result.provider_message_id == str(second.result["message_id"])
    assert "reply_markup" not in first.params
    assert [b["callback_data"] for b in second.buttons()] == ["/affirm", "/deny"]


async def test_a_split_reply_cut_by_flood_control_resumes_after_the_parts_already_out(
    api: FakeBotApi, services: Services, channel: TelegramChannel
) -> None:
    """Part 1 goes out, part 2 hits flood control: the retry sends parts 2 and 3, not part 1."""
    text = "\n\n".join(f"Info {n} : " + "une info utile pour toi. " * 40 for n in range(9))
    async with services.sessions.begin() as session:
        conversation = Conversation(
            channel="telegram", sender_hash="long", sender_ref=str(CHAT_ID)
        )
        session.add(conversation)
        await session.flush()
        await enqueue(session, conversation, Reply(text), dedupe="long", in_reply=True)
    clock = ManualClock()
    dispatcher = manual_dispatcher(services, clock)
    api.flood.append(3)
    api.flood_after = 1

    assert await dispatcher.run_once() == 0
    (row,) = await outbox_rows(services)
    assert (row.status, row.parts_sent) == (OutboxStatus.PENDING, 1)
    clock.advance(6)  # the first backoff, 5 s, is longer than the 3 s Telegram asked for
    assert await dispatcher.run_once() == 1

    parts = [call.params["text"] for call in api.sent(CHAT_ID)]
    assert len(parts) == 3
    assert len(set(parts)) == 3, "a part was sent twice"
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    (row,) = await outbox_rows(services)
    assert (row.status, row.segments) == (OutboxStatus.SENT, 3)


async def test_start_up_registers_the_channel_for_the_outbox(
    services: Services, channel: TelegramChannel
) -> None:
    """Once up, the outbox delivers Telegram rows through this channel."""
    assert services.outbound["telegram"] is channel.outbound
    assert channel.live.is_set()


async def test_channel_stops_cleanly_after_a_stop_without_start(
    services: Services,
) -> None:
    """Stopping a channel that never started releases its HTTP clients without errors."""
    channel = TelegramChannel(services)
    await channel.stop()
    assert "telegram" not in services.outbound


async def test_an_arabic_crisis_text_keeps_its_numbers_whole_on_telegram(
    api: FakeBotApi, channel: TelegramChannel
) -> None:
    """Telegram shows plain text laid out by the phone: in an Arabic message "116 006" is sent
    with a no-break space so it is not shown "006 116"; a French text is sent as written."""
    arabic = "الضحايا: 116 006، من 9h إلى 19h. للحديث: 0 800 235 236."
    await channel.outbound.send(str(CHAT_ID), Reply(arabic))
    await channel.outbound.send(str(CHAT_ID), Reply("Victimes : 116 006."))
    sent_ar, sent_fr = (call.params["text"] for call in api.sent(CHAT_ID))
    assert sent_ar == arabic.replace("116 006", "116\u00a0006").replace(
        "0 800 235 236", "0\u00a0800\u00a0235\u00a0236"
    )
    assert sent_fr == "Victimes : 116 006."
