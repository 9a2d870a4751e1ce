"""Whole conversations on Telegram: real PTB, the real app, the fake Bot API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from outreach_bot.channels.telegram import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramChannel,
    webhook_secret,
)
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Lead, Message, OutboxItem
from tests.channels.telegram.bot_api import CHAT_ID, FakeBotApi, load_update, text_update
from tests.channels.telegram.conftest import (
    TEAM_CHAT_ID,
    Harness,
    TelegramUser,
    eventually,
    stored,
    telegram_services,
    telegram_settings,
)


async def count(services: Services, model: type[Any]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def run_warm_lead(user: TelegramUser) -> list[tuple[str, str]]:
    """Drive a warm lead from /start to confirmation; return the transcript."""
    transcript: list[tuple[str, str]] = []

    async def turn(said: str, replies: list[str]) -> list[str]:
        transcript.append(("young person", said))
        transcript.extend(("bot", text) for text in replies)
        return replies

    replies = await turn("/start", await user.say("/start"))
    assert "bot" in replies[0].lower()
    replies = await turn(
        "je cherche du boulot vers verdun", await user.say("je cherche du boulot vers verdun")
    )
    assert "conseiller" in replies[-1]
    await turn("[Oui]", await user.tap("/affirm"))
    replies = await turn("[Oui]", await user.tap("/affirm"))
    assert "âge" in replies[-1]
    await turn("17", await user.say("17"))
    replies = await turn(user.first_name, await user.say(user.first_name))
    assert "Telegram" in replies[-1]
    await turn("06 12 34 56 78", await user.say("06 12 34 56 78"))
    await turn("verdun", await user.say("verdun"))
    await turn("un job dans la restauration", await user.say("un job dans la restauration"))
    replies = await turn("[Le matin]", await user.tap('/select{"value":"when_morning"}'))
    assert f"Prénom : {user.first_name}" in replies[-1]
    assert "Commune : Verdun" in replies[-1]
    replies = await turn("[Envoyer]", await user.tap("/affirm"))
    assert "conseiller" in replies[-1]
    return transcript


async def assert_lead_and_team_notice(harness: Harness, first_name: str) -> None:
    async with harness.services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    assert (lead.first_name, lead.phone, lead.age, lead.channel) == (
        first_name,
        "+33612345678",
        17,
        "telegram",
    )
    await eventually(lambda: bool(harness.api.sent(TEAM_CHAT_ID)), what="the team notice")
    notice = harness.api.sent(TEAM_CHAT_ID)[0].params["text"]
    assert first_name in notice
    assert "un job dans la restauration" in notice
    assert f"/admin/leads/{lead.id}" in notice
    for private in ("+33612345678", "06 12", "17", "Verdun"):
        assert private not in notice.replace(f"/admin/leads/{lead.id}", "")


async def test_warm_lead_in_polling_mode(polling: Harness) -> None:
    """A young person completes the lead form on Telegram (long polling) and the team is told."""
    transcript = await run_warm_lead(polling.user)
    assert len([line for line in transcript if line[0] == "bot"]) >= 11
    await assert_lead_and_team_notice(polling, "Léa")
    assert polling.api.methods("deleteWebhook"), "polling mode removes any webhook first"


async def test_warm_lead_in_webhook_mode(webhook: Harness) -> None:
    """The same conversation works when Telegram posts updates to our webhook."""
    await run_warm_lead(webhook.user)
    await assert_lead_and_team_notice(webhook, "Léa")
    assert not webhook.api.methods("getUpdates")


async def test_first_name_with_markup_characters_is_sent_intact(polling: Harness) -> None:
    """A first name like ``_*[Jo`` reaches the summary unchanged and never breaks a message."""
    polling.user.first_name = "_*[Jo"
    await run_warm_lead(polling.user)
    sent = polling.api.sent(CHAT_ID)
    assert all(call.status == 200 for call in polling.api.methods("sendMessage"))
    assert all("parse_mode" not in call.params for call in sent)
    assert any("Prénom : _*[Jo" in call.params["text"] for call in sent)
    await eventually(lambda: bool(polling.api.sent(TEAM_CHAT_ID)), what="the team notice")
    assert "_*[Jo" in polling.api.sent(TEAM_CHAT_ID)[0].params["text"]


async def test_deep_link_attributes_the_conversation_to_the_campaign(polling: Harness) -> None:
    """Opening t.me/<bot>?start=FORUM-VERDUN ties the conversation to that campaign."""
    campaign = await create_campaign(
        polling.services.sessions, "forum-verdun", name="Forum emploi Verdun"
    )
    replies = await polling.user.send(load_update("command_start"))
    assert "bot" in replies[0].lower()
    async with polling.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.campaign_id == campaign.id


async def test_plain_start_greets_without_a_campaign(polling: Harness) -> None:
    """A bare /start opens the conversation with the greeting and the topic menu."""
    replies = await polling.user.say("/start")
    assert "robot" in replies[0]
    menu = polling.api.sent(CHAT_ID)[-1].buttons()
    assert [button["callback_data"] for button in menu] == [
        "/find_job",
        "/find_training",
        "/apprenticeship",
        "/cej",
        "/financial_aid",
        "/housing",
        "/health",
        "/ask_human",
    ]
    async with polling.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.campaign_id is None


@pytest.mark.parametrize(
    ("command", "expected"),
    [("/aide", "STOP"), ("/stop", "plus de messages"), ("/supprimer", "efface")],
)
async def test_commands_reach_the_global_intents(
    polling: Harness, command: str, expected: str
) -> None:
    """/aide, /stop and /supprimer do on Telegram what AIDE, STOP and SUPPRIMER do anywhere."""
    replies = await polling.user.say(command)
    assert expected in replies[-1]


async def test_commands_are_registered_in_french_and_in_each_language(polling: Harness) -> None:
    """The command menu shows French descriptions by default, and English, Arabic, Dari (for an
    app in Persian) and Pashto ones for users whose app is in that language."""
    calls = polling.api.methods("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert set(by_language) == {None, "en", "ar", "fa", "ps"}
    for commands in by_language.values():
        assert [command["command"] for command in commands] == [
            "start",
            "aide",
            "stop",
            "supprimer",
        ]
    assert by_language[None][3]["description"] == "Effacer tes données"
    assert by_language["en"][3]["description"] == "Erase your data"
    content = polling.services.content
    assert by_language["fa"][3]["description"] == content.message(
        "telegram_command_supprimer", "prs"
    )
    assert by_language["ar"][2]["description"] == "إيقاف الرسائل"


async def test_a_tapped_keyboard_is_removed(polling: Harness) -> None:
    """After a tap, the spinner stops and that message's buttons disappear."""
    await polling.user.say("je cherche du boulot vers verdun")
    offer = polling.user.last_keyboard("/affirm")
    mark = len(polling.api.calls)
    await polling.user.tap("/affirm")
    answered = polling.api.methods("answerCallbackQuery", since=mark)
    edited = polling.api.methods("editMessageReplyMarkup", since=mark)
    assert len(answered) == 1
    assert [(call.params["chat_id"], call.params["message_id"]) for call in edited] == [
        (CHAT_ID, offer.result["message_id"])
    ]
    assert "reply_markup" not in edited[0].params


async def test_update_served_again_after_a_crash_is_answered_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """An update Telegram serves again (we died before confirming it) is handled only once."""
    async with telegram_services(telegram_settings(tmp_path, api)) as services:
        first = TelegramChannel(services)
        await first.start()
        api.acks_lost = True  # the confirmation never reaches Telegram: a crash
        update = api.push(text_update("salut"))
        await eventually(lambda: stored(services, update["update_id"]), what="the update")
        await first.stop()
        replies = await count(services, OutboxItem)
        assert replies >= 1

        api.acks_lost = False
        mark = len(api.calls)
        second = TelegramChannel(services)
        await second.start()
        try:
            await eventually(
                lambda: any(
                    call.params.get("offset") == update["update_id"] + 1
                    for call in api.methods("getUpdates", since=mark)
                ),
                what="the replayed update to be confirmed",
            )
        finally:
            await second.stop()
        served = [call.result for call in api.methods("getUpdates", since=mark)]
        assert any(batch for batch in served), "Telegram did serve the update again"
        assert await count(services, OutboxItem) == replies
        assert await count(services, Message) == 1 + replies


async def test_duplicate_webhook_delivery_is_processed_once(webhook: Harness) -> None:
    """Telegram re-posting the same update to the webhook gets one answer, not two."""
    update = dict(text_update("salut"), update_id=webhook.api.next_update_id())
    headers = {SECRET_HEADER: webhook_secret(webhook.services.settings, webhook.services.secret)}
    for _ in range(2):
        response = await webhook.client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status == 200
    await eventually(lambda: bool(webhook.api.sent(CHAT_ID)), what="the greeting")
    await webhook.user.say("17")
    greetings = [call for call in webhook.api.sent(CHAT_ID) if "robot" in call.params["text"]]
    assert len(greetings) == 1


async def test_crisis_numbers_are_in_the_text_and_the_keyboard_has_only_the_team(
    polling: Harness,
) -> None:
    """Inline keyboards take no tel: link: the numbers stay in the text, the team is a key."""
    replies = await polling.user.say("mon beau pere me frappe")
    assert any("3919" in text and "116 006" in text for text in replies)
    keys = [button for call in polling.api.sent(polling.user.chat_id) for button in call.buttons()]
    assert [key["callback_data"] for key in keys] == ["/ask_human"]
    assert all("url" not in key for key in keys)
