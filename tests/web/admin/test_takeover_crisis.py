"""During a counsellor's takeover the bot stays out of the way, over real HTTP.

A young person on the web chat (the REST channel and its poll) talks with a counsellor who
holds the conversation from the back office: an ordinary answer gets nothing from the bot, a
crisis guess alerts that counsellor in the red banner and the bot says nothing, certain words
still get the numbers at once, and a guessed crisis nobody answers gets them after the wait.
The header's source (the poll's ``X-Counsellor-Holds``, the replies' ``custom.held``) says a
counsellor all along.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from outreach_bot.core.leads.takeover import CRISIS_CHECK
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Lead, ScheduledMessage
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, form_key_of, make_lead

SENDER = "web-takeover-0123456789abcdef"
POLL = "/webhooks/rest/messages"
#: Distress said sideways: the classifier's guess, none of the safety net's certain words.
GUESSED = "jme sens tellement seul que jpense a des trucs graves"


async def _held_conversation(client, browser: Browser, services: Services) -> tuple[RestChat, int]:
    """A web-chat conversation with a lead, which Léa takes over by writing to it."""
    chat = RestChat(client, sender=SENDER)
    await chat.say("salut")
    lead = await make_lead(services, channel="rest", sender="someone-else")
    async with services.sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.channel == "rest").order_by(Conversation.id)
        )
        assert conversation is not None
        saved = await session.get(Lead, lead.id)
        assert saved is not None
        saved.conversation_id = conversation.id
    await browser.login("lea")
    await _reply(browser, lead.id, "Salut, c'est Léa de la Mission Locale. Tu dors où ce soir ?")
    return chat, lead.id


async def _reply(browser: Browser, lead_id: int, text: str) -> None:
    page = await (await browser.get(f"/admin/leads/{lead_id}")).text()
    sent = await browser.post(
        f"/admin/leads/{lead_id}/reply", {"text": text, "form_key": form_key_of(page)}
    )
    assert sent.status == 303


async def _poll(client, after: int = 0) -> tuple[list[dict[str, object]], str]:
    response = await client.get(POLL, params={"sender": SENDER, "after": str(after)})
    assert response.status == 200
    return await response.json(), response.headers["X-Counsellor-Holds"]


async def _urgent(services: Services, lead_id: int) -> bool:
    async with services.sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        return lead.urgent


async def _crisis_checks(services: Services) -> list[ScheduledMessage]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.kind == CRISIS_CHECK)
        )
        return list(rows)


async def test_an_ordinary_answer_to_the_counsellor_gets_nothing_from_the_bot(
    client, browser: Browser, services: Services
) -> None:
    """ "je suis chez une copine a verdun pour ce soir": silence, no alert, still a counsellor."""
    chat, lead_id = await _held_conversation(client, browser, services)
    messages, held = await _poll(client)
    assert held == "yes"
    assert [m["from"] for m in messages] == ["counsellor"]
    await chat.say("je suis chez une copine a verdun pour ce soir")
    assert chat.last == []
    await chat.say("ok merci vous m'appelez à quelle heure ?")
    assert chat.last == []
    assert not await _urgent(services, lead_id)
    assert await _crisis_checks(services) == []
    _, held = await _poll(client)
    assert held == "yes"
    alerts = await (await browser.get("/admin/alerts")).text()
    assert "conversation que tu tiens" not in alerts


async def test_a_guessed_crisis_alerts_the_counsellor_and_the_bot_says_nothing(
    client, browser: Browser, services: Services
) -> None:
    """The holder sees the red banner naming the conversation; their answer clears it and
    the bot never sends its text."""
    chat, lead_id = await _held_conversation(client, browser, services)
    await chat.say(GUESSED)
    assert chat.last == []  # nothing from the bot in the middle of their conversation
    assert await _urgent(services, lead_id)
    alerts = await (await browser.get("/admin/alerts")).text()
    assert "conversation que tu tiens" in alerts
    assert f'href="/admin/leads/{lead_id}"' in alerts
    page = await (await browser.get("/admin/leads")).text()
    assert "conversation que tu tiens" in page  # on every page, not only the lead's

    await _reply(browser, lead_id, "Je suis là. Tu veux qu'on s'appelle maintenant ?")
    alerts = await (await browser.get("/admin/alerts")).text()
    assert "conversation que tu tiens" not in alerts
    later = datetime.now(UTC) + timedelta(minutes=services.settings.takeover_crisis_minutes + 1)
    assert await services.scheduler.tick(now=later) == 0
    messages, held = await _poll(client)
    assert [m["from"] for m in messages] == ["counsellor", "counsellor"]
    assert held == "yes"


async def test_a_guessed_crisis_nobody_answers_gets_the_numbers_after_the_wait(
    client, browser: Browser, services: Services
) -> None:
    """After ``takeover_crisis_minutes`` without a word from the team, the bot's crisis text
    reaches the web chat through its poll, and the header still says a counsellor."""
    chat, _ = await _held_conversation(client, browser, services)
    await chat.say(GUESSED)
    assert chat.last == []
    await chat.say("personne ne m'aime de toute façon")
    (check,) = await _crisis_checks(services)  # one text kept back, not one per message
    assert await services.scheduler.tick(now=datetime.now(UTC)) == 0  # not yet
    later = datetime.now(UTC) + timedelta(minutes=services.settings.takeover_crisis_minutes + 1)
    await services.scheduler.tick(now=later)
    messages, held = await _poll(client)
    bot = [m for m in messages if m["from"] == "bot"]
    assert len(bot) == 1
    assert "3114" in str(bot[0]["text"])
    assert held == "yes"
    alerts = await (await browser.get("/admin/alerts")).text()
    assert "conversation que tu tiens" not in alerts  # the numbers went: no longer waiting
    assert check.id


async def test_certain_words_get_the_numbers_at_once_and_the_header_stays(
    client, browser: Browser, services: Services
) -> None:
    """ "je veux me suicider" needs no wait: the numbers come at once, marked held."""
    chat, lead_id = await _held_conversation(client, browser, services)
    await chat.say("je veux me suicider")
    assert "3114" in chat.text()
    assert all(item["custom"]["held"] is True for item in chat.last)
    assert "/ask_human" not in chat.payloads()  # the counsellor is already there
    assert await _urgent(services, lead_id)
    assert await _crisis_checks(services) == []


async def test_after_hand_back_the_header_says_the_bot_again(
    client, browser: Browser, services: Services
) -> None:
    """Handing back ends the takeover: the poll says so, and the bot answers again."""
    chat, lead_id = await _held_conversation(client, browser, services)
    assert (await browser.post(f"/admin/leads/{lead_id}/hand-back")).status == 303
    _, held = await _poll(client)
    assert held == "no"
    await chat.say("salut")
    assert chat.last
    assert all("held" not in item["custom"] for item in chat.last)
