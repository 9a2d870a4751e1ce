"""What the bot does with stickers, voice notes, photos and shared contact cards."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Message
from tests.channels.telegram.bot_api import CHAT_ID, contact_update, media_update
from tests.channels.telegram.conftest import Harness, TelegramUser, eventually


async def count(services: Services, model: type[Any]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def notice_after(harness: Harness, update: dict[str, Any]) -> str:
    """Push an update the core does not store; return the bot's one answer."""
    mark = len(harness.api.calls)
    harness.api.push(update)
    await eventually(lambda: bool(harness.api.sent(CHAT_ID, since=mark)), what="an answer")
    (answer,) = harness.api.sent(CHAT_ID, since=mark)
    return str(answer.params["text"])


async def reach_contact_step(user: TelegramUser) -> None:
    await user.say("je cherche du boulot vers verdun")
    await user.tap("/affirm")
    await user.tap("/affirm")
    await user.say("17")
    replies = await user.say("Léa")
    assert "Comment te joindre" in replies[-1]


@pytest.mark.parametrize("kind", ["sticker", "location"])
async def test_non_text_message_gets_a_kind_answer(polling: Harness, kind: str) -> None:
    """A sticker or a location gets a short answer asking for text (files: test_files.py)."""
    answer = await notice_after(polling, media_update(kind))
    assert answer == polling.services.content.message("telegram_non_text", "fr")
    assert await count(polling.services, Message) == 0
    assert await count(polling.services, Conversation) == 0


async def test_english_speaker_gets_the_notice_in_english(polling: Harness) -> None:
    """The answer to a sticker follows the language set in the young person's Telegram."""
    update = media_update("sticker")
    update["message"]["from"]["language_code"] = "en-GB"
    answer = await notice_after(polling, update)
    assert answer == polling.services.content.message("telegram_non_text", "en")


@pytest.mark.parametrize(("app", "code"), [("ar", "ar"), ("fa", "prs"), ("ps", "ps")])
async def test_a_sticker_is_answered_in_the_language_of_the_app(
    polling: Harness, app: str, code: str
) -> None:
    """An app in Arabic, Persian or Pashto gets the notice in Arabic, Dari or Pashto, not in
    French."""
    update = media_update("sticker")
    update["message"]["from"]["language_code"] = app
    answer = await notice_after(polling, update)
    assert answer == polling.services.content.message("telegram_non_text", code)
    assert answer != polling.services.content.message("telegram_non_text", "fr")


async def test_own_contact_card_fills_the_phone_field(polling: Harness) -> None:
    """Sharing one's own contact at the contact step records that number for the counsellor."""
    user = polling.user
    await reach_contact_step(user)
    replies = await user.send(contact_update("33612345678", owner_id=CHAT_ID))
    assert "commune" in replies[-1]
    await user.say("verdun")
    await user.tap("/skip")
    replies = await user.tap('/select{"value":"when_any"}')
    assert "Contact : 06 12 34 56 78" in replies[-1]


@pytest.mark.parametrize("owner_id", [CHAT_ID + 1, None])
async def test_someone_elses_contact_card_is_refused(
    polling: Harness, owner_id: int | None
) -> None:
    """A friend's contact card is not taken as the young person's number; the form waits."""
    user = polling.user
    await reach_contact_step(user)
    answer = await notice_after(polling, contact_update("33698765432", owner_id=owner_id))
    assert answer == polling.services.content.message("telegram_contact_not_yours", "fr")
    replies = await user.say("06 12 34 56 78")
    assert "commune" in replies[-1]
