"""Channel configuration and the adapter's edge cases: mode, secret, stale buttons, failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from outreach_bot.channels.telegram import TelegramChannel, webhook_secret
from outreach_bot.channels.telegram_mode import UpdateMode, describe, update_mode
from outreach_bot.channels.telegram_outbound import CallbackCodec
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Button, Reply
from tests.channels.telegram.bot_api import CHAT_ID, FakeBotApi, callback_update, text_update
from tests.channels.telegram.conftest import (
    Harness,
    eventually,
    stored,
    telegram_services,
    telegram_settings,
)
from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("public_url", "forced", "expected"),
    [
        ("https://bot.example.org/", None, UpdateMode.WEBHOOK),
        ("http://127.0.0.1:8080/", None, UpdateMode.POLLING),
        ("http://127.0.0.1:8080/", True, UpdateMode.WEBHOOK),
        ("https://bot.example.org/", False, UpdateMode.POLLING),
    ],
)
def test_mode_follows_the_public_url(
    tmp_path: Path, public_url: str, forced: bool | None, expected: UpdateMode
) -> None:
    """An https public URL means webhook, anything else polling, unless forced either way."""
    settings = make_settings(
        tmp_path, telegram_token="1:x", public_url=public_url, telegram_webhook=forced
    )
    assert update_mode(settings) is expected


def test_no_token_means_no_telegram(tmp_path: Path) -> None:
    """Without a token the channel stays off and `run` says how to turn it on."""
    settings = make_settings(tmp_path)
    assert update_mode(settings) is None
    assert describe(settings) == "Telegram: off (set OUTREACH_TELEGRAM_TOKEN to turn it on)"


def test_status_line_names_the_webhook_url(tmp_path: Path) -> None:
    """`outreach-bot run` prints where Telegram posts in webhook mode."""
    settings = make_settings(
        tmp_path, telegram_token="1:x", public_url="https://bot.example.org/outreach"
    )
    assert describe(settings) == (
        "Telegram: webhook at https://bot.example.org/outreach/webhooks/telegram"
    )


def test_webhook_secret_is_derived_and_stable(tmp_path: Path) -> None:
    """The secret comes from the instance key, is the same in every process, and is not it."""
    settings = make_settings(tmp_path, secret_key="k" * 40)
    secret = webhook_secret(settings, "k" * 40)
    assert secret == webhook_secret(make_settings(tmp_path), "k" * 40)
    assert secret != webhook_secret(settings, "j" * 40)
    assert "k" * 40 not in secret
    assert len(secret) == 64
    dedicated = make_settings(tmp_path, telegram_webhook_secret="my-own_secret")
    assert webhook_secret(dedicated, "k" * 40) == "my-own_secret"


async def test_stale_long_payload_button_asks_to_type_instead(polling: Harness) -> None:
    """A button this process no longer knows answers kindly and changes nothing."""
    await polling.user.say("salut")
    long_payload = '/select{"value":"' + "x" * 80 + '"}'
    data = CallbackCodec().encode(long_payload)  # another process's memory, as after a restart
    message = polling.api.sent(CHAT_ID)[-1]
    message.params["reply_markup"] = {"inline_keyboard": [[{"text": "?", "callback_data": data}]]}
    mark = len(polling.api.calls)
    update = polling.api.push(callback_update(message, data))
    await eventually(
        lambda: bool(polling.api.methods("answerCallbackQuery", since=mark)), what="an answer"
    )
    (answer,) = polling.api.methods("answerCallbackQuery", since=mark)
    assert answer.params["text"] == polling.services.content.message("telegram_stale_button", "fr")
    assert not await stored(polling.services, update["update_id"])
    assert not polling.api.sent(CHAT_ID, since=mark)


async def test_long_payload_button_round_trips_within_one_process(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A button whose payload is over 64 bytes still works when tapped."""
    async with telegram_services(telegram_settings(tmp_path, api)) as services:
        channel = TelegramChannel(services)
        await channel.start()
        try:
            payload = '/select{"value":"' + "7" * 70 + '"}'
            await channel.outbound.send(str(CHAT_ID), Reply("Choisis :", (Button("A", payload),)))
            (message,) = api.sent(CHAT_ID)
            data = message.buttons()[0]["callback_data"]
            assert len(data.encode()) <= 64
            update = api.push(callback_update(message, data))
            await eventually(lambda: stored(services, update["update_id"]), what="the tap")
            await eventually(
                lambda: bool(api.methods("editMessageReplyMarkup")), what="the keyboard removal"
            )
        finally:
            await channel.stop()


async def test_polling_update_that_cannot_be_stored_gets_an_apology(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """In polling mode a database failure is logged and the young person asked to resend."""
    async with telegram_services(telegram_settings(tmp_path, api)) as services:
        channel = TelegramChannel(services)
        await channel.start()
        try:
            await break_messages_table(services)
            api.push(text_update("je m'appelle Zoé et mon numéro est le 0612345678"))
            await eventually(lambda: bool(api.sent(CHAT_ID)), what="the apology")
        finally:
            await channel.stop()
    (apology,) = api.sent(CHAT_ID)
    assert apology.params["text"] == services.content.message("telegram_error", "fr")
    assert "failed" in caplog.text
    assert "Zoé" not in caplog.text
    assert "0612345678" not in caplog.text


async def break_messages_table(services: Services) -> None:
    async with services.db.begin() as connection:
        await connection.execute(text("ALTER TABLE messages RENAME TO messages_away"))
