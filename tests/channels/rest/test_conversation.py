"""Complete conversations through the real aiohttp server and the REST channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import (
    AuditEntry,
    Base,
    Consent,
    Conversation,
    Lead,
    Message,
)
from tests.conftest import make_settings, serve
from tests.factories import RestChat


async def count(services: Services, model: type[Base]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def run_full_lead(chat: RestChat) -> None:
    """Drive the warm-lead flow with one correction, as a young person would."""
    await chat.say("salut")
    assert "bot" in chat.text().lower()
    await chat.say("je cherche du boulot vers verdun")
    assert "/affirm" in chat.payloads()
    await chat.say("/affirm")
    assert "d'accord" in chat.text().lower()
    await chat.say("/affirm")
    assert "âge" in chat.text()
    await chat.say("j'ai 17 ans")
    await chat.say("Léa")
    await chat.say("06 12 34 56 78")
    await chat.say("verdun")
    await chat.say("un job dans la restauration")
    await chat.say('/select{"value":"when_morning"}')
    assert "Léa" in chat.text()
    assert "Verdun" in chat.text()
    await chat.say("/deny")
    await chat.say('/fix{"field":"age"}')
    await chat.say("18")
    assert "18 ans" in chat.text()
    await chat.say("/affirm")
    assert "conseiller" in chat.text()


async def test_faq_answer_comes_from_the_knowledge_base(client, services: Services) -> None:
    """A topic question gets the reviewed answer and an offer to be contacted."""
    chat = RestChat(client)
    await chat.say("c'est quoi le contrat d'engagement jeune ?")
    assert chat.last[0]["text"] == services.content.answers["cej"].text.fr
    followups = [
        f'/cej{{"followup":"{followup.id}"}}'
        for followup in services.content.answers["cej"].followups
        if followup.id != "relative"  # it answers a message written for someone: no button
    ]
    assert chat.payloads() == ["/affirm", "/deny", *followups]


async def test_full_lead_with_correction_lands_in_the_sector_queue(
    client, services: Services
) -> None:
    """The lead carries the corrected age, the consent record and the Meuse sector."""
    await run_full_lead(RestChat(client))
    response = await client.get("/healthz")
    assert response.status == 200
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
        consent = await session.scalar(select(Consent))
    assert lead is not None
    assert consent is not None
    assert (lead.first_name, lead.phone, lead.age) == ("Léa", "+33612345678", 18)
    assert lead.commune_insee == "55545"
    assert lead.consent_id == consent.id
    assert consent.channel == "rest"
    assert consent.text_version == services.content.privacy.consent.text_version
    assert lead.status == "new"
    assert lead.urgent is False


async def test_personal_fields_are_encrypted_at_rest(client, services: Services) -> None:
    """Names, phone numbers and transcripts never appear in clear in the database file."""
    await run_full_lead(RestChat(client))
    raw = Path(services.settings.effective_database_url.split("///", 1)[1]).read_bytes()
    for wal in Path(services.settings.effective_database_url.split("///", 1)[1]).parent.glob(
        "*-wal"
    ):
        raw += wal.read_bytes()
    assert b"+33612345678" not in raw
    assert "Léa".encode() not in raw
    assert b"restauration" not in raw


async def test_refused_consent_stores_nothing_personal(client, services: Services) -> None:
    """Saying no to consent leaves no lead and no consent record."""
    chat = RestChat(client)
    await chat.say("je veux parler a un conseiller")
    await chat.say("/deny")
    assert "rien" in chat.text()
    assert await count(services, Lead) == 0
    assert await count(services, Consent) == 0


async def test_under_fifteen_gets_information_and_nothing_is_kept(
    client, services: Services
) -> None:
    """A 14-year-old is told why, and no lead or consent is recorded."""
    chat = RestChat(client)
    await chat.say("je veux un rdv avec un conseiller")
    await chat.say("/affirm")
    await chat.say("14")
    assert "15" in chat.text()
    assert await count(services, Lead) == 0
    assert await count(services, Consent) == 0
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert "14" not in (conversation.state or "").split('"age"')[-1][:10]


async def test_stop_works_in_the_middle_of_the_form(client, services: Services) -> None:
    """STOP during the form confirms, forgets the form and marks the conversation."""
    chat = RestChat(client)
    await chat.say("je veux parler a quelqu'un")
    await chat.say("/affirm")
    await chat.say("STOP")
    assert "plus de messages" in chat.text()
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.opted_out is True
    await chat.say("salut")
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.opted_out is False


async def test_forget_me_erases_everything_after_confirmation(client, services: Services) -> None:
    """SUPPRIMER then yes: no lead, consent, message or conversation is left."""
    chat = RestChat(client)
    await run_full_lead(chat)
    await chat.say("SUPPRIMER")
    assert await count(services, Lead) == 1
    await chat.say("/affirm")
    assert "effacé" in chat.text()
    for model in (Lead, Consent, Message, Conversation):
        assert await count(services, model) == 0, model.__name__
    async with services.sessions() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert audit is not None


async def test_forget_me_can_be_cancelled(client, services: Services) -> None:
    """Answering no to the erase question keeps the data."""
    chat = RestChat(client)
    await run_full_lead(chat)
    await chat.say("supprime mes données")
    await chat.say("/deny")
    assert "rien" in chat.text()
    assert await count(services, Lead) == 1


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("j'ai envie de me suicider", "3114"),
        ("je dors dehors ce soir", "115"),
        ("mon beau pere me frappe", "119"),
    ],
)
async def test_crisis_answers_at_once_and_marks_urgent(
    client, services: Services, message: str, number: str
) -> None:
    """A crisis message gets the right number and an urgent entry in the queue."""
    chat = RestChat(client)
    await chat.say(message)
    assert number in chat.last[0]["text"]
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
        conversation = await session.scalar(select(Conversation))
    assert lead is not None
    assert lead.urgent is True
    assert lead.consent_id is None
    assert conversation is not None
    assert conversation.urgent is True


async def test_crisis_during_the_form_is_answered(client, services: Services) -> None:
    """Crisis interrupts any step of the form."""
    chat = RestChat(client)
    await chat.say("je veux un rdv")
    await chat.say("/affirm")
    await chat.say("/affirm")
    await chat.say("je veux mourir")
    assert "3114" in chat.last[0]["text"]


async def test_start_code_attributes_the_conversation(client, services: Services) -> None:
    """``/start CODE`` ties the conversation and its lead to the campaign."""
    await create_campaign(services.sessions, "forum-verdun", name="Forum emploi Verdun")
    chat = RestChat(client)
    await chat.say("/start FORUM-VERDUN")
    assert "bot" in chat.text().lower()
    async with services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.campaign_id is not None


async def test_unknown_button_payload_gets_a_polite_menu(client) -> None:
    """A forged or stale payload is answered with the topic menu, not an error."""
    chat = RestChat(client)
    await chat.say("/nonexistent_intent")
    assert chat.payloads()
    assert chat.last[0]["text"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe\x00binary", "application/octet-stream"),
        (b"[]", "application/json"),
        (b'{"sender": "a"}', "application/json"),
        (b'{"message": "salut"}', "application/json"),
        (b'{"sender": "a", "message": 12}', "application/json"),
        (b'{"sender": ["a"], "message": "salut"}', "application/json"),
        (b'{"sender": "", "message": "salut"}', "application/json"),
        (b'{"sender": "a", "message": "a\\u0000b"}', "application/json"),
    ],
)
async def test_malformed_rest_input_is_a_json_400(client, body: bytes, content_type: str) -> None:
    """Bad input gets a 400 with a JSON reason, never a 500."""
    response = await client.post(
        "/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert "error" in await response.json()


async def test_huge_and_empty_messages_get_polite_replies(client, services: Services) -> None:
    """A 100 kB message and an empty one are answered, and stored within bounds."""
    chat = RestChat(client)
    await chat.say("a" * 100_000)
    assert chat.last
    await chat.say("")
    assert chat.last
    async with services.sessions() as session:
        texts = list(await session.scalars(select(Message.text)))
    assert max(len(text or "") for text in texts) <= 4000


async def test_oversized_body_is_rejected_cleanly(client) -> None:
    """A body above the limit is refused with 413, not a crash."""
    response = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": "a", "message": "x" * 400_000},
    )
    assert response.status == 413


async def test_concurrent_messages_of_one_conversation_are_serialised(
    client, services: Services
) -> None:
    """Two messages at once: both answered, both stored, one conversation, state consistent."""
    import asyncio

    chat = RestChat(client, sender="twin")
    await chat.say("je veux un rdv")
    first, second = await asyncio.gather(
        client.post("/webhooks/rest/webhook", json={"sender": "twin", "message": "/affirm"}),
        client.post("/webhooks/rest/webhook", json={"sender": "twin", "message": "17"}),
    )
    assert first.status == second.status == 200
    assert await count(services, Conversation) == 1
    assert await count(services, Message) >= 6


@pytest.mark.postgres
async def test_full_lead_flow_on_postgresql(
    tmp_path: Path, postgres_url: str, embedded_nlu
) -> None:
    """The same warm-lead conversation works on PostgreSQL."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        try:
            async with serve(services) as client:
                await run_full_lead(RestChat(client))
                async with services.sessions() as session:
                    lead = await session.scalar(select(Lead))
                assert lead is not None
                assert (lead.first_name, lead.age, lead.commune_insee) == ("Léa", 18, "55545")
        finally:
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def test_crisis_numbers_travel_as_tel_and_sms_buttons(client) -> None:
    """On REST a number is a button whose payload is a tel: or sms: link; the text has it too."""
    chat = RestChat(client)
    await chat.say("mon beau pere me frappe")
    assert chat.payloads() == [
        "tel:119",
        "tel:3919",
        "tel:116006",
        "tel:17",
        "sms:114",
        "/ask_human",
    ]
    buttons = [button for item in chat.last for button in item.get("buttons", [])]
    assert {"title": "SMS au 114", "payload": "sms:114"} in buttons
    for number in ("119", "3919", "116 006", "17", "114"):
        assert number in chat.text()
    await chat.say("merci")
    assert "/find_job" not in chat.payloads()
    assert "3919" in chat.text()


async def test_an_erasure_is_flagged_for_the_web_chat(client, services: Services) -> None:
    """The reply to a confirmed SUPPRIMER says ``custom.erased``; no other reply does."""
    chat = RestChat(client)
    await chat.say("je cherche du boulot")
    await chat.say("SUPPRIMER")
    assert all("erased" not in item["custom"] for item in chat.last)
    await chat.say("/affirm")
    assert chat.last[-1]["custom"] == {"erased": True, "language": "fr", "direction": "ltr"}
    assert "effacé" in chat.text()
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Conversation.id))) == 0


async def test_a_resent_message_is_kept_once_and_answered_the_same(
    client, services: Services
) -> None:
    """The web chat resends a message whose answer was lost: stored once, same answer again."""
    body = {
        "sender": "resend-1",
        "message": "je cherche du boulot",
        "metadata": {"message_id": "web-1"},
    }
    first = await client.post("/webhooks/rest/webhook", json=body)
    again = await client.post("/webhooks/rest/webhook", json=body)
    assert first.status == again.status == 200
    said = [reply["text"] for reply in await first.json()]
    assert said[0] == services.content.answers["find_job"].text.fr
    assert [reply["text"] for reply in await again.json()] == said
    async with services.sessions() as session:
        texts = list(await session.scalars(select(Message.text).order_by(Message.id)))
    assert texts.count("je cherche du boulot") == 1
    assert texts.count(said[0]) == 1

    later = {**body, "message": "et une formation", "metadata": {"message_id": "web-2"}}
    answer = await (await client.post("/webhooks/rest/webhook", json=later)).json()
    assert answer[0]["text"] == services.content.answers["find_training"].text.fr


@pytest.mark.parametrize("message_id", ["", "x" * 101, 7, None])
async def test_a_message_id_that_is_not_short_text_is_refused(client, message_id: object) -> None:
    """``metadata.message_id`` is optional; when given it must be 1 to 100 characters."""
    metadata = {} if message_id is None else {"message_id": message_id}
    response = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": "resend-2", "message": "salut", "metadata": metadata},
    )
    assert response.status == (200 if message_id is None else 400)
