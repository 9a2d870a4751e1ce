"""End to end over WhatsApp: the real app, signed notifications, a local fake Graph API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import (
    Consent,
    Conversation,
    Lead,
    Message,
    OutboxItem,
    OutboxStatus,
)
from tests.channels.sms.conftest import count, settle
from tests.channels.whatsapp.conftest import (
    Client,
    FakeGraph,
    WhatsAppPhone,
    fixture,
    post_signed,
    shown,
    status_notification,
)

BSUID = "FR.1502576394655843"


def buttons_of(message: dict[str, Any]) -> list[dict[str, str]]:
    assert message["type"] == "interactive", message
    assert message["interactive"]["type"] == "button"
    return [button["reply"] for button in message["interactive"]["action"]["buttons"]]


def rows_of(message: dict[str, Any]) -> list[dict[str, str]]:
    assert message["type"] == "interactive", message
    assert message["interactive"]["type"] == "list"
    return [row for s in message["interactive"]["action"]["sections"] for row in s["rows"]]


async def test_a_resent_message_is_answered_once(phone: WhatsAppPhone, graph: FakeGraph) -> None:
    """Meta's retry of the same message id is stored once and answered once."""
    first = await phone.say("salut", message_id="wamid.SAME")
    again = await phone.say("salut", message_id="wamid.SAME")
    assert first
    assert again == []
    assert await count(phone.services, Message, Message.channel_message_id == "wamid.SAME") == 1


async def test_the_menu_is_a_list_and_yes_no_are_reply_buttons(phone: WhatsAppPhone) -> None:
    """Eight topics come as a list (rows of at most 24 characters); Oui/Non as reply buttons;
    tapping either is understood like typing it."""
    greeting = (await phone.say("salut"))[-1]
    rows = rows_of(greeting)
    assert 3 < len(rows) <= 10
    assert all(len(row["title"]) <= 24 for row in rows)
    assert len(greeting["interactive"]["action"]["button"]) <= 20
    assert "bot" in shown(greeting)
    job = next(row for row in rows if row["id"] == "/find_job")
    answers = await phone.tap(job["id"], job["title"], kind="list_reply")
    offer = answers[-1]
    buttons = buttons_of(offer)
    # Yes and no first, then the topic's question ("C'est payé combien ?").
    assert [b["id"] for b in buttons][:2] == ["/affirm", "/deny"]
    assert all(len(b["title"]) <= 20 for b in buttons)
    consent = (await phone.tap("/affirm", buttons[0]["title"]))[-1]
    assert "accord" in shown(consent)
    assert len(buttons_of(consent)) <= 3


async def test_a_warm_lead_is_queued_with_consent_recorded_on_whatsapp(
    phone: WhatsAppPhone,
) -> None:
    """The whole way to the team's queue: consent and lead carry the WhatsApp channel, and the
    sender's own number, offered by the bot, becomes the lead's phone."""
    script = [
        ("salut", None),
        ("je cherche du boulot vers verdun", "conseiller"),
        ("1", "accord"),
        ("1", "âge"),
        ("17 ans", "prénom"),
        ("Léa", "numéro"),
        ("1", "commune"),
        ("verdun", "cherches quoi"),
        ("un job dans la restauration", None),
        ("1", "06 12 34 56 78"),
        ("1", "conseiller"),
    ]
    for text, expected in script:
        answers = await phone.say(text)
        assert answers, f"no answer to {text!r}"
        if expected:
            assert expected in shown(answers[-1]), (text, [shown(a) for a in answers])
    async with phone.services.sessions() as session:
        lead = await session.scalar(select(Lead))
        consent = await session.scalar(select(Consent))
    assert lead is not None
    assert consent is not None
    assert lead.channel == "whatsapp"
    assert consent.channel == "whatsapp"
    assert lead.phone == "+33612345678"


async def test_stop_confirms_once_and_nothing_follows(phone: WhatsAppPhone) -> None:
    """STOP is confirmed, the conversation is opted out, and a second STOP gets no answer."""
    await phone.say("salut")
    confirmation = await phone.say("STOP")
    assert len(confirmation) == 1
    assert "plus de messages" in shown(confirmation[0])
    async with phone.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.opted_out
    assert await phone.say("stop") == []


async def test_supprimer_erases_everything_and_confirms(phone: WhatsAppPhone) -> None:
    """SUPPRIMER, once confirmed, erases the conversation; the confirmation still arrives."""
    await phone.say("salut")
    question = await phone.say("SUPPRIMER")
    assert "efface" in shown(question[-1])
    done = await phone.say("oui", message_id="wamid.ERASE")
    assert "effacé" in shown(done[-1])
    assert await count(phone.services, Conversation) == 0
    assert await count(phone.services, Message) == 0
    # Meta resends the same "oui": it is not answered again (and nothing breaks).
    assert await phone.say("oui", message_id="wamid.ERASE") == []
    assert await count(phone.services, Message) == 0


async def test_statuses_are_recorded_on_the_outbox_row(
    phone: WhatsAppPhone, wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """sent, delivered, read move the row forward (never back); failed marks an undelivered one."""
    await phone.say("je cherche du boulot")
    first, last = graph.sent[0]["id"], graph.sent[-1]["id"]
    assert first != last

    async def status_of(message_id: str) -> str:
        async with wa_services.sessions() as session:
            row = await session.scalar(
                select(OutboxItem).where(OutboxItem.provider_message_id == message_id)
            )
        assert row is not None
        return row.status

    assert await status_of(first) == OutboxStatus.SENT
    for state in ("delivered", "read", "delivered", "sent"):
        response = await post_signed(wa_client, status_notification(first, state))
        assert response.status == 200
    assert await status_of(first) == OutboxStatus.READ
    await post_signed(wa_client, status_notification(last, "failed", code=131026))
    assert await status_of(last) == OutboxStatus.FAILED
    response = await post_signed(wa_client, status_notification("wamid.UNKNOWN", "read"))
    assert response.status == 200


async def test_a_user_known_only_by_bsuid_is_answered_by_it(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """A user who hides their number behind a username is known and answered by their BSUID."""
    phone = WhatsAppPhone(wa_client, wa_services, graph, "", bsuid=BSUID)
    answers = await phone.say("salut")
    assert answers
    assert answers[0]["recipient"] == BSUID
    assert "to" not in answers[0]
    async with wa_services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.sender_ref == BSUID


@pytest.mark.parametrize("kind", ["location", "sticker"])
async def test_a_location_or_sticker_gets_the_kind_text_only_answer(
    wa_client: Client, wa_services: Services, graph: FakeGraph, kind: str
) -> None:
    """A location or a sticker gets the kind notice, once even if Meta resends it, and nothing
    is stored (voice notes, photos and documents: test_files.py)."""
    data = fixture("audio_message.json")
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = kind
    message[kind] = message.pop("audio")
    for _ in range(2):
        response = await post_signed(wa_client, json.loads(json.dumps(data)))
        assert response.status == 200
    await settle(wa_services)
    assert len(graph.sent) == 1
    assert "messages écrits" in shown(graph.sent[0])
    assert await count(wa_services, Message) == 0


async def test_a_reaction_gets_no_answer(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """A thumbs-up on one of our messages is not a message to answer."""
    data = fixture("audio_message.json")
    message = data["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "reaction"
    message["reaction"] = {"message_id": "wamid.OUT0001", "emoji": "👍"}
    del message["audio"]
    assert (await post_signed(wa_client, data)).status == 200
    assert graph.sent == []


async def test_rate_limit_is_retried_and_an_unknown_user_becomes_unreachable(
    phone: WhatsAppPhone, graph: FakeGraph
) -> None:
    """Meta's pair rate limit keeps the reply pending for a retry; "not on WhatsApp" (131026)
    fails the row and marks the conversation unreachable."""
    graph.fail_with = (400, 131056)
    response = await phone.send({"type": "text", "text": {"body": "salut"}})
    assert response.status == 200
    await phone.services.dispatcher.run_once()
    async with phone.services.sessions() as session:
        row = await session.scalar(select(OutboxItem))
    assert row is not None
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    graph.fail_with = (400, 131026)
    await phone.send({"type": "text", "text": {"body": "re"}})
    async with phone.services.sessions() as session:
        await session.execute(
            OutboxItem.__table__.update().values(not_before=OutboxItem.created_at)
        )
        await session.commit()
    await phone.services.dispatcher.run_once()
    async with phone.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    failed = await count(phone.services, OutboxItem, OutboxItem.status == OutboxStatus.FAILED)
    assert conversation is not None
    assert conversation.unreachable
    assert failed >= 1
