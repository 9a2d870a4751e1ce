"""The same SMS behaviour over both providers, through the real app and local fake providers."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.app import create_web_app, open_services
from outreach_bot.channels.sms_text import count_segments
from outreach_bot.core.delivery.outbox import OutboxDispatcher, enqueue
from outreach_bot.core.delivery.sms_policy import COST_LIMIT_REASON, PARIS
from outreach_bot.dialogue.replies import Reply
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import (
    Conversation,
    Direction,
    Lead,
    Message,
    OutboxItem,
    OutboxStatus,
)
from tests.channels.sms.conftest import Phone, count, run_warm_lead
from tests.conftest import make_settings

STOP_WORDS = [
    "STOP",
    "stop",
    "Stop",
    "STOP SMS",
    "stop sms",
    "ARRET",
    "arret",
    "ARRÊT",
    "arrêt",
    "DESABONNER",
    "desabonner",
    "Désabonner",
]


async def conversation(phone: Phone) -> Conversation:
    async with phone.services.sessions() as session:
        found: Conversation | None = await session.scalar(select(Conversation))
    assert found is not None
    return found


async def outbox(phone: Phone) -> list[OutboxItem]:
    async with phone.services.sessions() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


async def test_warm_lead_over_sms_uses_the_number_it_writes_from(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    """A full conversation answered with digits ends in a lead whose phone is the sender's."""
    caplog.set_level(logging.DEBUG)
    await run_warm_lead(phone)
    async with phone.services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    assert (lead.first_name, lead.age, lead.phone, lead.channel) == (
        "Léa",
        17,
        phone.number,
        "sms",
    )
    assert lead.contact_here is True
    assert lead.commune_insee == "55545"
    assert phone.number not in caplog.text
    assert "restauration" not in caplog.text


async def test_every_sms_is_stored_with_its_provider_id_and_segments(phone: Phone) -> None:
    """Each outbound SMS records what the provider called it and how many segments it cost."""
    await run_warm_lead(phone)
    rows = await outbox(phone)
    bodies = phone.provider.bodies()
    assert len(rows) == len(bodies) > 10
    for row, body in zip(rows, bodies, strict=True):
        assert row.status == OutboxStatus.SENT
        assert row.provider_message_id
        assert row.segments == count_segments(body).segments
        assert "’" not in body
        assert "\u00a0" not in body
    assert sum(row.segments or 0 for row in rows) >= len(rows)


async def test_replayed_webhook_is_processed_once(phone: Phone) -> None:
    """The same provider message id delivered twice is stored and answered once."""
    first = await phone.say("salut", message_id="c0ffee01")
    second = await phone.say("salut", message_id="c0ffee01")
    assert first
    assert second == []
    inbound = await count(phone.services, Message, Message.direction == Direction.INBOUND)
    assert inbound == 1


@pytest.mark.parametrize("word", STOP_WORDS)
async def test_stop_words_are_honoured_and_confirmed_once(phone: Phone, word: str) -> None:
    """STOP and its French spellings opt out at once, with exactly one confirmation."""
    await phone.say("salut")
    replies = await phone.say(word)
    assert len(replies) == 1
    assert "plus de messages" in replies[0]
    assert (await conversation(phone)).opted_out is True


async def test_after_stop_nothing_is_sent_until_the_young_person_writes_again(
    phone: Phone,
) -> None:
    """After STOP a counsellor's message is refused; a new message reopens the conversation."""
    await phone.say("je veux parler a quelqu'un")
    await phone.say("STOP")
    async with phone.services.sessions.begin() as session:
        found = await session.scalar(select(Conversation))
        assert found is not None
        queued = await enqueue(
            session, found, Reply("Bonjour !"), dedupe="counsellor:1", in_reply=False
        )
    assert queued is None
    await phone.services.dispatcher.run_once()
    assert phone.unread() == []
    again = await phone.say("salut, tu peux m'aider pour un job ?")
    assert again
    assert (await conversation(phone)).opted_out is False


async def test_start_reopens_after_stop(phone: Phone) -> None:
    """START after STOP says welcome back and lifts the opt-out."""
    await phone.say("STOP")
    replies = await phone.say("START")
    assert len(replies) == 1
    assert replies[0].startswith("Re !")
    assert (await conversation(phone)).opted_out is False


async def test_provider_outage_is_retried_and_delivered_once(phone: Phone) -> None:
    """While the provider answers 503 the reply waits in the outbox; it goes out once after."""
    phone.provider.fail_with = 503
    response = await phone.post("salut", "0bad0001")
    assert response.status in {200, 204}
    for _ in range(300):
        await phone.services.dispatcher.run_once()
        rows = await outbox(phone)
        if rows and rows[0].attempts and rows[0].status == OutboxStatus.PENDING:
            break
        await asyncio.sleep(0.01)
    assert rows[0].last_error is not None
    assert "503" in rows[0].last_error
    assert phone.unread() == []
    phone.provider.fail_with = None
    an_hour_later = OutboxDispatcher(
        phone.services.sessions,
        phone.services.outbound,
        clock=lambda: datetime.now(UTC) + timedelta(hours=1),
    )
    assert await an_hour_later.run_once() == 1
    assert await an_hour_later.run_once() == 0
    received = phone.unread()
    assert len(received) == 1
    assert "bot" in received[0]
    assert (await outbox(phone))[0].status == OutboxStatus.SENT


async def test_counsellor_message_queued_at_night_waits_until_nine(phone: Phone) -> None:
    """A non-reply message queued at 22:00 Paris is held, then sent at 09:00 the next day."""
    await phone.say("salut")
    policy = phone.services.send_policies["sms"]
    now = datetime(2030, 1, 8, 22, 0, tzinfo=PARIS)  # a Tuesday
    async with phone.services.sessions.begin() as session:
        found = await session.scalar(select(Conversation))
        assert found is not None
        await enqueue(
            session,
            found,
            Reply("Bonjour, c'est Karim de la Mission Locale. Tu es dispo jeudi ?"),
            dedupe="counsellor:2",
            in_reply=False,
            not_before=policy.earliest(now.astimezone(UTC), in_reply=False),
        )
    clock = [now]
    dispatcher = OutboxDispatcher(
        phone.services.sessions, phone.services.outbound, clock=lambda: clock[0].astimezone(UTC)
    )
    assert await dispatcher.run_once() == 0
    clock[0] = datetime(2030, 1, 9, 8, 59, tzinfo=PARIS)
    assert await dispatcher.run_once() == 0
    assert phone.unread() == []
    clock[0] = datetime(2030, 1, 9, 9, 0, tzinfo=PARIS)
    assert await dispatcher.run_once() == 1
    assert phone.unread() == ["Bonjour, c'est Karim de la Mission Locale. Tu es dispo jeudi ?"]


@pytest.mark.parametrize("sms_overrides", [{"sms_daily_limit": 3}])
async def test_daily_limit_hands_the_conversation_to_the_team(
    phone: Phone, sms_overrides: dict[str, object]
) -> None:
    """Past the day's budget the team is told once and the bot's replies stop."""
    events = phone.services.events.stream()
    assert len(await phone.say("salut")) == 1
    assert len(await phone.say("je cherche du boulot")) == 2
    handoff = await phone.say("c'est quoi le contrat d'engagement jeune ?")
    assert handoff == [phone.services.content.message("sms_handoff", "fr")]
    assert await phone.say("et pour le logement ?") == []
    kinds = []
    while not events.empty():
        kinds.append(events.get_nowait().kind)
    assert kinds.count("cost_limit") == 1
    rows = await outbox(phone)
    cancelled = [row for row in rows if row.status == OutboxStatus.CANCELLED]
    assert cancelled
    assert all(row.last_error == COST_LIMIT_REASON for row in cancelled)
    assert sum(1 for row in rows if row.segments) == 4
    async with phone.services.sessions() as session:
        said = list(
            await session.scalars(
                select(Message.text).where(Message.direction == Direction.OUTBOUND)
            )
        )
    assert phone.services.content.answers["cej"].text.fr not in said


@pytest.mark.parametrize("sms_overrides", [{"sms_daily_limit": 1}])
async def test_a_first_message_whose_answer_is_over_the_limit_is_held_to_it(
    phone: Phone, sms_overrides: dict[str, object]
) -> None:
    """The message that opens a conversation is counted against the budget without asking
    the database only when its answer fits: a longer one is cut to the budget as any other."""
    received = await phone.say("je cherche du boulot")
    # The answer's first message (the budget's one), then the team's promise.
    assert len(received) == 2
    assert received[-1] == phone.services.content.message("sms_handoff", "fr")
    rows = await outbox(phone)
    assert [row.last_error for row in rows if row.status == OutboxStatus.CANCELLED] == [
        COST_LIMIT_REASON
    ]


@pytest.mark.parametrize("sms_overrides", [{"sms_daily_limit": 1}])
async def test_crisis_numbers_are_sent_even_past_the_daily_limit(
    phone: Phone, sms_overrides: dict[str, object]
) -> None:
    """A young person in danger always gets the emergency numbers, whatever the budget."""
    await phone.say("salut")
    await phone.say("je cherche du boulot")
    received = await phone.say("je veux mourir")
    assert any("3114" in body for body in received)


async def test_crisis_numbers_are_plain_text_on_sms(phone: Phone) -> None:
    """An SMS carries no tel: link: the numbers are in the text, the team is choice 1."""
    received = await phone.say("mon beau pere me frappe")
    body = "\n".join(received)
    assert "tel:" not in body
    assert "sms:" not in body
    for number in ("119", "3919", "116 006", "114"):
        assert number in body
    assert "(1 = Parler " in body  # the one choice left: the team
    answer = "\n".join(await phone.say("1"))
    assert "une personne de l'" in answer
    assert "tel:" not in answer


@pytest.mark.parametrize(
    ("settings", "warned"),
    [
        ({"sms_provider": "smsgateway", "sms_number": "+33612345678"}, "OUTREACH_SMS_NUMBER"),
        ({"sms_provider": "smsgateway", "sms_number": "07 57 00 00 00"}, "OUTREACH_SMS_NUMBER"),
        ({"sms_provider": "smsgateway", "sms_number": "+33939980000"}, None),
        ({"sms_provider": "smsgateway", "sms_number": ""}, None),
        ({"sms_provider": "twilio", "twilio_from": "+33757000000"}, "OUTREACH_TWILIO_FROM"),
        (
            {"sms_provider": "twilio", "twilio_from": "MissionLoc", "sms_number": "+33612345678"},
            None,
        ),
        ({"sms_provider": "twilio", "twilio_from": "MG0123456789abcdef0123456789abcdef"}, None),
        ({"sms_number": "+33612345678"}, None),  # no SMS provider: nothing is sent at all
    ],
)
async def test_a_mobile_sender_number_gets_one_warning_at_start_up(
    tmp_path: Path,
    embedded_nlu: NluBackend,
    caplog: pytest.LogCaptureFixture,
    settings: dict[str, str],
    warned: str | None,
) -> None:
    """06/07 numbers cannot send automated SMS in France: the log says so once, at start-up."""
    configured = make_settings(
        tmp_path,
        smsgateway_login="sms",
        smsgateway_password="secret",
        smsgateway_signing_key="key",
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token="token",
        **settings,
    )
    caplog.set_level(logging.INFO)
    async with open_services(configured, nlu=embedded_nlu, create_schema=True) as services:
        create_web_app(services)
    warnings = [r.getMessage() for r in caplog.records if "ARCEP" in r.getMessage()]
    if warned is None:
        assert warnings == []
        return
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{warned} is a French mobile number (06/07)")
    assert "09 37-09 39" in warnings[0]
    assert [r.levelno for r in caplog.records if "ARCEP" in r.getMessage()] == [logging.WARNING]
    for number in ("612345678", "757000000", "57 00 00 00"):
        assert number not in warnings[0]


async def test_a_message_id_reused_by_another_number_is_answered_in_both(phone: Phone) -> None:
    """Two SMS from two people with one provider id (``MessageSid``, ``messageId``) are two
    messages, each answered; before, the second was a 503 saying storage was unavailable."""
    other = type(phone)(phone.client, phone.services, phone.provider, "+33698765432")
    first = await phone.say("salut", message_id="5ca1ab1e")
    second = await other.say("bonjour", message_id="5ca1ab1e")
    assert first
    assert second
    assert await phone.say("salut", message_id="5ca1ab1e") == []  # a provider's retry: once
    assert await count(phone.services, Conversation) == 2
