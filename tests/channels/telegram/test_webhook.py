"""``POST /webhooks/telegram``: who may post, what is stored, and when Telegram must retry."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import func, select, text

from outreach_bot.channels.telegram import SECRET_HEADER, webhook_secret
from outreach_bot.channels.telegram_mode import WEBHOOK_PATH
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Message
from tests.channels.telegram.bot_api import CHAT_ID, load_update, text_update
from tests.channels.telegram.conftest import Harness, eventually, outbox_idle, stored


async def count(services: Services, model: type[Any]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def headers(harness: Harness) -> dict[str, str]:
    return {SECRET_HEADER: webhook_secret(harness.services.settings, harness.services.secret)}


async def test_webhook_is_registered_with_its_secret(webhook: Harness) -> None:
    """At start-up the bot tells Telegram where to post, with the secret to send along."""
    (call,) = webhook.api.methods("setWebhook")
    assert call.params["url"] == "http://127.0.0.1:8080/webhooks/telegram"
    assert call.params["secret_token"] == webhook_secret(
        webhook.services.settings, webhook.services.secret
    )
    assert call.params["allowed_updates"] == ["message", "callback_query"]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "é"])
async def test_forged_update_is_refused_and_not_stored(
    webhook: Harness, secret: str | None
) -> None:
    """A request without Telegram's secret token gets 403 and leaves no trace."""
    forged = {SECRET_HEADER: secret} if secret is not None else {}
    response = await webhook.client.post(
        WEBHOOK_PATH, json=load_update("text_message"), headers=forged
    )
    assert response.status == 403
    assert await count(webhook.services, Message) == 0
    assert await count(webhook.services, Conversation) == 0
    assert not webhook.api.methods("sendMessage")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "12"}', b'{"update_id": true}'],
)
async def test_garbage_is_a_400(webhook: Harness, body: bytes) -> None:
    """A body that is not a Telegram update is refused with 400, never a 500."""
    response = await webhook.client.post(
        WEBHOOK_PATH,
        data=body,
        headers={**headers(webhook), "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert "error" in await response.json()


async def test_update_that_cannot_be_stored_gets_a_500_and_the_retry_works(
    webhook: Harness,
) -> None:
    """When the database fails, Telegram is told to retry; its retry is then answered once."""
    update = dict(text_update("salut"), update_id=webhook.api.next_update_id())
    async with webhook.services.db.begin() as connection:
        await connection.execute(text("ALTER TABLE messages RENAME TO messages_away"))
    response = await webhook.client.post(WEBHOOK_PATH, json=update, headers=headers(webhook))
    assert response.status == 500
    async with webhook.services.db.begin() as connection:
        await connection.execute(text("ALTER TABLE messages_away RENAME TO messages"))
    assert not webhook.api.methods("sendMessage")

    response = await webhook.client.post(WEBHOOK_PATH, json=update, headers=headers(webhook))
    assert response.status == 200
    assert await stored(webhook.services, update["update_id"])
    await eventually(lambda: outbox_idle(webhook.services), what="the outbox to drain")
    assert len(webhook.api.sent(CHAT_ID)) == 1


async def test_update_is_stored_before_the_200(webhook: Harness) -> None:
    """By the time Telegram gets its 200, the message is in the database."""
    update = dict(text_update("salut"), update_id=webhook.api.next_update_id())
    response = await webhook.client.post(WEBHOOK_PATH, json=update, headers=headers(webhook))
    assert response.status == 200
    assert await stored(webhook.services, update["update_id"])


async def test_group_messages_are_ignored(webhook: Harness) -> None:
    """Chatter in the team's group is not a young person's conversation."""
    response = await webhook.client.post(
        WEBHOOK_PATH, json=load_update("group_message"), headers=headers(webhook)
    )
    assert response.status == 200
    assert await count(webhook.services, Conversation) == 0
    assert not webhook.api.methods("sendMessage")


async def test_polling_mode_has_no_webhook_route(polling: Harness) -> None:
    """Without a public HTTPS URL nothing listens on the webhook path."""
    response = await polling.client.post(
        WEBHOOK_PATH, json=load_update("text_message"), headers=headers(polling)
    )
    assert response.status == 404


@pytest.mark.parametrize("typed", ["²", "¹²³", "⑤", "².", "٣"])
async def test_a_non_ascii_digit_while_a_menu_is_shown_is_answered(
    webhook: Harness, typed: str
) -> None:
    """A "²" under a menu is stored and answered once, not a 500 that Telegram resends forever."""
    assert await webhook.user.say("salut")  # the menu of topics, as buttons
    answers = await webhook.user.say(typed)
    assert answers, "the bot did not answer"
    async with webhook.services.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert typed in texts


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "nested"),
        (b'{"update_id": ' + b"9" * 5000 + b"}", "too long"),
        (b'{"update_id": 1, "message": ' + b'{"a": ' * 100 + b"1" + b"}" * 101, "nested"),
    ],
)
async def test_json_that_python_cannot_read_is_a_400(
    webhook: Harness, body: bytes, reason: str
) -> None:
    """Deep nesting and a 5,000-digit integer are a 400 naming the problem, not a 500."""
    response = await webhook.client.post(
        WEBHOOK_PATH,
        data=body,
        headers={**headers(webhook), "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert await count(webhook.services, Message) == 0


async def test_a_lone_surrogate_in_an_update_is_stored_as_a_replacement_character(
    webhook: Harness,
) -> None:
    """Half an emoji ("\\ud83d") reaches the database as U+FFFD and the message is answered."""
    update = text_update("ok 😀", chat_id=CHAT_ID)
    body = json.dumps(update).replace("\\ud83d\\ude00", "\\ud83d")  # the second half lost
    update_id = update["update_id"]
    response = await webhook.client.post(
        WEBHOOK_PATH,
        data=body.encode(),
        headers={**headers(webhook), "Content-Type": "application/json"},
    )
    assert response.status == 200
    await eventually(lambda: stored(webhook.services, update_id), what="the update to be stored")
    await eventually(lambda: outbox_idle(webhook.services), what="the answer to be sent")
    async with webhook.services.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert "ok \ufffd" in texts
    assert webhook.api.sent(CHAT_ID), "the bot did not answer"


async def test_an_update_id_reused_by_another_chat_is_answered_in_both(webhook: Harness) -> None:
    """Telegram restarts ``update_id`` after a quiet week: another person's update with an id
    already seen is a new message, stored and answered, and each one's retry is still one."""
    update_id = webhook.api.next_update_id()
    first = dict(text_update("salut", chat_id=CHAT_ID), update_id=update_id)
    second = dict(
        text_update("bonjour", chat_id=CHAT_ID + 1, first_name="Noé"), update_id=update_id
    )
    for update in (first, second, second, first):  # then Telegram's retries of both
        response = await webhook.client.post(WEBHOOK_PATH, json=update, headers=headers(webhook))
        assert response.status == 200
    await eventually(lambda: outbox_idle(webhook.services), what="the outbox to drain")
    assert len(webhook.api.sent(CHAT_ID)) == len(webhook.api.sent(CHAT_ID + 1)) > 0
    assert await count(webhook.services, Conversation) == 2
    async with webhook.services.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert texts.count("salut") == texts.count("bonjour") == 1


def _reshaped(change: Any) -> dict[str, Any]:
    update = text_update("Lou 0612345678")
    change(update["message"])
    return update


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda message: message.pop("chat"), "message.chat"),
        (lambda message: message["chat"].update(id="7010203040"), "message.chat.id"),
        (lambda message: message.update(text=["Lou 0612345678"]), "message.text"),
        (lambda message: message.update(text="Lou\x000612345678"), "message.text"),
        (lambda message: message["from"].update(language_code=12), "message.from.language_code"),
        (lambda message: message.update(contact={"user_id": 1}), "message.contact.phone_number"),
        (
            lambda message: message.update(voice={"file_id": "AwAC", "mime_type": True}),
            "message.voice.mime_type",
        ),
        (lambda message: message.update(photo=[{"file_size": 1}]), "message.photo.0.file_id"),
    ],
)
async def test_a_signed_update_of_the_wrong_shape_is_a_400(
    webhook: Harness, change: Any, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The right secret over a malformed update: a 400 naming the field (it was a 500 that
    Telegram retried), nothing stored, and the log names the field, not the text."""
    caplog.set_level(logging.DEBUG)
    response = await webhook.client.post(
        WEBHOOK_PATH, json=_reshaped(change), headers=headers(webhook)
    )
    assert response.status == 400
    assert field in (await response.json())["error"]
    assert await count(webhook.services, Message) == 0
    assert "0612345678" not in caplog.text
