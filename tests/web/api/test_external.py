"""The write API for external assistants (the Rasa action server): answers, fields, consent,
leads, erasure, all behind bearer tokens and under the same rules as our own dialogue."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.storage.models import AuditEntry, Base, Consent, Conversation, Lead, Message
from tests.factories import RestChat

VERDUN = "55545"
LEAD = {
    "sender_id": "rasa-user-1",
    "age": 19,
    "phone": "06 12 34 56 78",
    "first_name": "je m'appelle Inès",
    "commune_insee": VERDUN,
    "need": "  un   job  ",
    "availability": "le matin",
    "topic": "find_job",
}


@pytest.fixture(name="auth")
async def _auth(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_token(services.sessions, 'rasa-actions')}"}


async def count(services: Services, model: type[Base]) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def audit_actions(services: Services) -> list[tuple[str, str]]:
    async with services.sessions() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.actor, row.action) for row in rows]


async def consent(client, auth: dict[str, str], services: Services, sender: str) -> Any:
    version = services.content.privacy.consent.text_version
    response = await client.post(
        "/api/consents", json={"sender_id": sender, "text_version": version}, headers=auth
    )
    assert response.status in {200, 201}, await response.text()
    return await response.json()


async def check(client, auth: dict[str, str], field: str, text: str, **extra: str) -> Any:
    response = await client.post(
        f"/api/fields/{field}", json={"text": text, **extra}, headers=auth
    )
    assert response.status == 200, await response.text()
    return await response.json()


WRITES = [
    ("POST", "/api/fields/age", {"text": "17"}),
    ("POST", "/api/consents", {"sender_id": "x", "text_version": "v"}),
    ("POST", "/api/leads", {"sender_id": "x", "age": 17, "phone": "0612345678"}),
    ("POST", "/api/erasure", {"sender_id": "x"}),
    ("POST", "/api/alerts", {"sender_id": "x", "text": None}),
    ("POST", "/api/crisis-check", {"text": "je veux mourir"}),
    ("GET", "/api/answers/cej", None),
    ("GET", "/api/consent-text", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_every_assistant_endpoint_needs_a_token(client, method, path, body) -> None:
    """Without a bearer token nothing is answered or written (401 JSON)."""
    response = await client.request(method, path, json=body)
    assert response.status == 401
    assert "error" in await response.json()


async def test_topic_answer_is_the_reviewed_knowledge_base_text(client, auth, services) -> None:
    """An assistant gets our reviewed answer, in French by default and in English on request."""
    answer = services.content.answers["cej"]
    french = await (await client.get("/api/answers/cej", headers=auth)).json()
    english = await (await client.get("/api/answers/cej?locale=en", headers=auth)).json()
    assert french["text"] == answer.text.fr
    assert english["text"] == answer.text.en
    assert french["source"] == answer.source
    assert french["offer_lead"] is answer.offer_lead


async def test_unknown_topic_is_404_and_bad_locale_is_400(client, auth) -> None:
    """An intent without a knowledge-base answer is a JSON 404; an unknown locale a 400."""
    missing = await client.get("/api/answers/greet", headers=auth)
    assert missing.status == 404
    assert "greet" in (await missing.json())["error"]
    assert (await client.get("/api/answers/cej?locale=de", headers=auth)).status == 400


async def test_consent_text_carries_its_version_and_yes_no_buttons(client, auth, services) -> None:
    """The assistant shows our exact consent text and records the version it showed."""
    body = await (await client.get("/api/consent-text", headers=auth)).json()
    assert body["text_version"] == services.content.privacy.consent.text_version
    assert body["text"] == services.content.privacy.consent.text.fr
    assert [button["payload"] for button in body["buttons"]] == ["/affirm", "/deny"]
    assert body["declined"]


async def test_age_answers_are_read_like_in_our_dialogue(client, auth, services) -> None:
    """Ages in words are understood, nonsense is asked again, over 29 gets the notice."""
    assert (await check(client, auth, "age", "j'ai dix-sept ans"))["value"] == 17
    unreadable = await check(client, auth, "age", "bof")
    assert unreadable["valid"] is False
    assert unreadable["message"] == services.content.message("reask_age", "fr")
    older = await check(client, auth, "age", "35")
    assert older["valid"] is True
    assert older["message"] == services.content.message("over_29", "fr")


async def test_under_15_is_refused_without_echoing_the_age(client, auth, services) -> None:
    """Under 15 the answer says to collect nothing, shows the under-15 text, keeps no value."""
    result = await check(client, auth, "age", "14 ans")
    assert result["too_young"] is True
    assert result["valid"] is False
    assert result["value"] is None
    assert result["message"] == services.content.privacy.under_15.fr
    assert (await check(client, auth, "age", "15"))["too_young"] is False


async def test_phone_and_first_name_are_normalised(client, auth) -> None:
    """Phone numbers come back in E.164 and names without "je m'appelle"; bad ones are refused."""
    assert (await check(client, auth, "phone", "c'est le 06.12.34.56.78"))["value"] == (
        "+33612345678"
    )
    assert (await check(client, auth, "phone", "12 34"))["valid"] is False
    assert (await check(client, auth, "first_name", "je m'appelle Léa"))["value"] == "Léa"
    assert (await check(client, auth, "first_name", "l3a@x"))["valid"] is False


async def test_commune_match_and_suggestions_that_resolve(client, auth) -> None:
    """A typo gets suggestions whose reply text, sent back, designates that commune for sure."""
    certain = await check(client, auth, "commune", "verdun")
    assert certain["valid"] is True
    assert certain["value"] == VERDUN
    assert certain["commune"]["name"] == "Verdun"
    typo = await check(client, auth, "commune", "verdin")
    assert typo["valid"] is False
    assert typo["suggestions"][0]["title"] == "Verdun (55)"
    chosen = await check(client, auth, "commune", typo["suggestions"][0]["reply"])
    assert chosen["value"] == VERDUN
    assert (await check(client, auth, "commune", "xqzkwv"))["suggestions"] == []


async def test_unknown_field_is_404(client, auth) -> None:
    """Only age, first_name, phone and commune can be checked."""
    response = await client.post("/api/fields/password", json={"text": "x"}, headers=auth)
    assert response.status == 404
    assert "error" in await response.json()


GARBAGE = [
    ("/api/fields/age", b"not json"),
    ("/api/fields/age", b"[]"),
    ("/api/fields/age", b"{}"),
    ("/api/fields/age", b'{"text": 17}'),
    ("/api/fields/age", b'{"text": "17", "locale": "de"}'),
    ("/api/fields/age", b'{"text": "17", "extra": 1}'),
    ("/api/consents", b'{"sender_id": "", "text_version": "v"}'),
    ("/api/consents", b'{"sender_id": "' + b"x" * 201 + b'", "text_version": "v"}'),
    ("/api/leads", b'{"sender_id": "a", "age": "17", "phone": "0612345678"}'),
    ("/api/leads", b'{"sender_id": "a", "age": true, "phone": "0612345678"}'),
    ("/api/leads", b'{"sender_id": "a", "age": 17}'),
    ("/api/leads", b"\xff\xfe"),
    ("/api/erasure", b"null"),
    ("/api/alerts", b"not json"),
    ("/api/alerts", b"{}"),
    ("/api/alerts", b'{"sender_id": "   "}'),
    ("/api/alerts", b'{"sender_id": "a", "text": 3114}'),
    ("/api/alerts", b'{"sender_id": "a", "locale": "de"}'),
    ("/api/alerts", b'{"sender_id": "a", "urgent": false}'),
    ("/api/crisis-check", b"{}"),
    ("/api/crisis-check", b'{"text": null}'),
    ("/api/crisis-check", b'{"text": "x", "sender_id": "a"}'),
]


@pytest.mark.parametrize(("path", "raw"), GARBAGE)
async def test_garbage_bodies_are_400_json_never_500(client, auth, path, raw) -> None:
    """Malformed JSON, wrong types, unknown keys or empty ids get a JSON 400."""
    response = await client.post(
        path, data=raw, headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status == 400, await response.text()
    assert "error" in await response.json()


async def test_consent_is_recorded_once_and_audited(client, auth, services) -> None:
    """A consent is stored for the Rasa sender; a retried call keeps the same one."""
    first = await consent(client, auth, services, "rasa-user-1")
    again = await consent(client, auth, services, "rasa-user-1")
    assert first["created"] is True
    assert again == {**first, "created": False}
    async with services.sessions() as session:
        stored = (await session.scalars(select(Consent))).one()
        conversation = await session.get(Conversation, stored.conversation_id)
    assert stored.channel == "rasa"
    assert conversation is not None
    assert conversation.channel == "rasa"
    assert conversation.sender_ref == "rasa-user-1"
    assert ("api:rasa-actions", "api_consent") in await audit_actions(services)


async def test_consent_to_an_old_text_is_refused(client, auth, services) -> None:
    """A consent to a text that is no longer the current one is a 409 and nothing is stored."""
    response = await client.post(
        "/api/consents",
        json={"sender_id": "rasa-user-1", "text_version": "2020-01-01.1"},
        headers=auth,
    )
    assert response.status == 409
    assert services.content.privacy.consent.text_version in (await response.json())["error"]
    assert await count(services, Consent) == 0
    assert await count(services, Conversation) == 0


async def test_no_lead_without_consent(client, auth, services) -> None:
    """Submitting a lead for a sender who never consented is refused and stores nothing."""
    response = await client.post("/api/leads", json=LEAD, headers=auth)
    assert response.status == 409
    assert "consent" in (await response.json())["error"]
    assert await count(services, Lead) == 0
    assert await count(services, Conversation) == 0


async def test_lead_lands_in_the_queue_with_its_consent(client, auth, services) -> None:
    """After consent, the lead is created, normalised, sectorised, audited and announced."""
    seen: list[TeamEvent] = []

    async def listen(event: TeamEvent) -> None:
        seen.append(event)

    services.events.subscribe(listen)
    given = await consent(client, auth, services, "rasa-user-1")
    response = await client.post("/api/leads", json=LEAD, headers=auth)
    assert response.status == 201, await response.text()
    receipt = await response.json()
    assert receipt["created"] is True
    assert receipt["sector"] == "nord-meusien"
    assert receipt["message"] == services.content.message("lead_done", "fr")

    lead = await (await client.get(f"/api/leads/{receipt['lead_id']}", headers=auth)).json()
    assert lead["first_name"] == "Inès"
    assert lead["phone"] == "+33612345678"
    assert lead["age"] == 19
    assert lead["sector"] == "nord-meusien"
    assert lead["consent"]["channel"] == "rasa"
    assert lead["consent"]["given_at"][:19] == given["given_at"][:19]
    async with services.sessions() as session:
        row = await session.get(Lead, receipt["lead_id"])
    assert row is not None
    assert (row.need, row.topic, row.commune_name, row.channel) == (
        "un job",
        "find_job",
        "Verdun",
        "rasa",
    )
    assert [(event.kind, event.lead_id) for event in seen] == [
        ("lead_created", receipt["lead_id"])
    ]
    assert ("api:rasa-actions", "api_create") in await audit_actions(services)


async def test_a_second_request_while_one_is_open_is_not_queued_twice(
    client, auth, services
) -> None:
    """A person already waiting for a counsellor is told so, and the queue keeps one lead."""
    await consent(client, auth, services, "rasa-user-1")
    first = await (await client.post("/api/leads", json=LEAD, headers=auth)).json()
    response = await client.post("/api/leads", json=LEAD, headers=auth)
    assert response.status == 200
    again = await response.json()
    assert again["created"] is False
    assert again["lead_id"] == first["lead_id"]
    assert again["message"] == services.content.message("already_in_queue", "fr")
    assert await count(services, Lead) == 1


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"age": 14}, "15"),
        ({"age": 150}, "age"),
        ({"phone": "0899 12 34 56"}, "phone"),
        ({"commune_insee": "99999"}, "commune"),
        ({"first_name": "R2D2"}, "first_name"),
        ({"topic": "greet"}, "topic"),
    ],
)
async def test_lead_fields_are_checked_again_by_the_api(
    client, auth, services, change, word
) -> None:
    """Under 15, a premium number, an unknown commune, a bad name or topic: 400, no lead."""
    await consent(client, auth, services, "rasa-user-1")
    response = await client.post("/api/leads", json={**LEAD, **change}, headers=auth)
    assert response.status == 400
    assert word in (await response.json())["error"]
    assert await count(services, Lead) == 0


async def test_fifteen_is_old_enough(client, auth, services) -> None:
    """The digital consent age itself is accepted."""
    await consent(client, auth, services, "rasa-user-1")
    response = await client.post(
        "/api/leads",
        json={"sender_id": "rasa-user-1", "age": 15, "phone": "0612345678"},
        headers=auth,
    )
    assert response.status == 201


async def test_erasure_removes_everything_about_the_rasa_sender_only(
    client, auth, services
) -> None:
    """Erasure deletes the Rasa sender's lead, consent and conversation, and nobody else's."""
    other = RestChat(client, sender="rasa-user-1")  # same id, other channel: another person
    await other.say("salut")
    await consent(client, auth, services, "rasa-user-1")
    assert (await client.post("/api/leads", json=LEAD, headers=auth)).status == 201
    response = await client.post("/api/erasure", json={"sender_id": "rasa-user-1"}, headers=auth)
    assert response.status == 200
    assert await response.json() == {
        "erased": True,
        "message": services.content.message("erase_done", "fr"),
    }
    assert await count(services, Lead) == 0
    assert await count(services, Consent) == 0
    async with services.sessions() as session:
        channels = list(await session.scalars(select(Conversation.channel)))
    assert channels == ["rest"]
    assert ("api:rasa-actions", "erase") in await audit_actions(services)
    again = await client.post("/api/erasure", json={"sender_id": "rasa-user-1"}, headers=auth)
    assert (await again.json())["erased"] is False


async def test_personal_data_never_reaches_the_logs(client, auth, services, caplog) -> None:
    """Consent, lead and erasure log ids only: no name, phone, sender id or need."""
    caplog.set_level(logging.DEBUG)
    await consent(client, auth, services, "rasa-user-1")
    await client.post("/api/leads", json=LEAD, headers=auth)
    await client.post("/api/erasure", json={"sender_id": "rasa-user-1"}, headers=auth)
    logged = caplog.text
    assert "lead" in logged
    for secret in ("Inès", "0612345678", "+33612345678", "rasa-user-1", "un job"):
        assert secret not in logged


SUICIDE = "je veux me suicider, personne le sait"


async def alert(client, auth: dict[str, str], sender: str, text: str | None, **extra: str) -> Any:
    response = await client.post(
        "/api/alerts", json={"sender_id": sender, "text": text, **extra}, headers=auth
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_alert_puts_an_urgent_lead_first_without_consent(client, auth, services) -> None:
    """A crisis seen by a Rasa assistant tops the team's queue at once, no consent asked."""
    seen: list[TeamEvent] = []

    async def listen(event: TeamEvent) -> None:
        seen.append(event)

    services.events.subscribe(listen)
    await consent(client, auth, services, "rasa-user-2")
    waiting = {**LEAD, "sender_id": "rasa-user-2"}
    assert (await client.post("/api/leads", json=waiting, headers=auth)).status == 201
    await alert(client, auth, "rasa-user-1", "ça va pas du tout")

    leads = await (await client.get("/api/leads", headers=auth)).json()
    assert [(lead["urgent"], lead["channel"], lead["topic"]) for lead in leads] == [
        (True, "rasa", "crisis"),
        (False, "rasa", "find_job"),
    ]
    assert leads[0]["consent"] is None
    async with services.sessions() as session:
        urgent = await session.get(Lead, leads[0]["id"])
        assert urgent is not None
        conversation = await session.get(Conversation, urgent.conversation_id)
    assert conversation is not None
    assert conversation.urgent is True
    assert conversation.sender_ref == "rasa-user-1"
    assert [(event.kind, event.lead_id, event.urgent) for event in seen][-1] == (
        "urgent",
        leads[0]["id"],
        True,
    )
    assert ("api:rasa-actions", "api_alert") in await audit_actions(services)


async def test_alert_makes_the_waiting_lead_urgent_instead_of_a_second_one(
    client, auth, services
) -> None:
    """A person already in the queue is moved to the top, not queued twice."""
    await consent(client, auth, services, "rasa-user-1")
    created = await (await client.post("/api/leads", json=LEAD, headers=auth)).json()
    await alert(client, auth, "rasa-user-1", SUICIDE)
    await alert(client, auth, "rasa-user-1", SUICIDE)
    leads = await (await client.get("/api/leads", headers=auth)).json()
    assert [(lead["id"], lead["urgent"], lead["first_name"]) for lead in leads] == [
        (created["lead_id"], True, "Inès")
    ]


async def test_alert_answer_follows_the_kind_of_crisis(client, auth, services) -> None:
    """Suicidal words get the 3114 text, no words the general one, in the asked language."""
    crisis = services.content.crisis
    suicide = await alert(client, auth, "rasa-user-1", SUICIDE)
    assert suicide["kind"] == "suicide"
    assert "3114" in suicide["text"]
    assert suicide["text"] == crisis.kinds["suicide"].text.fr
    assert [r["number"] for r in suicide["resources"]] == ["3114", "112"]
    assert suicide["resources"][0]["label"].startswith("prévention du suicide")
    shelter = await alert(client, auth, "rasa-user-1", "je dors dehors ce soir", locale="en")
    assert (shelter["kind"], shelter["text"]) == ("shelter", crisis.kinds["shelter"].text.en)
    general = await alert(client, auth, "rasa-user-1", None)
    assert general["kind"] == "default"
    assert general["text"] == crisis.kinds["default"].text.fr
    assert "0 800 235 236" in [r["number"] for r in general["resources"]]


async def test_alert_text_is_neither_stored_nor_logged(client, auth, services, caplog) -> None:
    """What the young person wrote only picks the crisis text: no table and no log holds it."""
    caplog.set_level(logging.DEBUG)
    secret = "mon beau-père Gérald me frappe chaque soir"
    assert (await alert(client, auth, "rasa-user-1", secret))["kind"] == "violence"
    assert await count(services, Message) == 0
    async with services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(table.select())).all():
                for value in row:
                    assert not (isinstance(value, str) and "Gérald" in value), table.name
    assert "urgent" in caplog.text
    for word in ("Gérald", "frappe", "rasa-user-1"):
        assert word not in caplog.text


async def crisis_check(client, auth: dict[str, str], text: str) -> Any:
    response = await client.post("/api/crisis-check", json={"text": text}, headers=auth)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_crisis_check_reads_answers_like_our_safety_net(client, auth) -> None:
    """A cry for help typed as a form answer is flagged with its kind; ordinary answers are not."""
    flagged = {
        "je veux mourir": "suicide",
        "jveux plus vivre": "suicide",
        "il me frappe": "violence",
        "je dors dehors ce soir": "shelter",
    }
    for text, kind in flagged.items():
        assert await crisis_check(client, auth, text) == {"crisis": True, "kind": kind}
    for answer in ("Capucine", "j'ai 17 ans", "06 11 22 33 44", "55100 Verdun", "un CAP cuisine"):
        assert await crisis_check(client, auth, answer) == {"crisis": False, "kind": None}


async def test_crisis_check_stores_raises_and_logs_nothing(client, auth, services, caplog) -> None:
    """Only an alert reaches the team: the check stores no conversation, lead or audit entry."""
    caplog.set_level(logging.DEBUG)
    secret = "mon beau-père Gérald me frappe chaque soir"
    assert (await crisis_check(client, auth, secret))["kind"] == "violence"
    for model in (Conversation, Lead, Message):
        assert await count(services, model) == 0, model.__name__
    assert await audit_actions(services) == []
    for word in ("Gérald", "frappe"):
        assert word not in caplog.text
