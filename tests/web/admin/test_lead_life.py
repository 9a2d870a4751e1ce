"""The lead's life follows the work (issue 22): a reply makes it "Contacté", closing asks how it
ended and "mobilisés" counts what it says, "Envoyer" leads back to the conversation, and
handing back tells the young person that the bot answers again."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Author, Lead, LeadEvent, Message, OutboxItem
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, form_key_of, make_lead

Client = TestClient[web.Request, web.Application]

BACK = "C'est de nouveau moi, le bot, qui te réponds."
HISTORY = re.compile(r'<ul class="history">(.*?)</ul>', re.S)


async def tick(services: Services) -> int:
    """Run the scheduler at the next moment the sending rules allow (now, unless tests run on a
    Sunday or at night)."""
    scheduler = services.scheduler
    return await scheduler.tick(now=scheduler.rules.next_open(datetime.now(UTC)))


async def reply(browser: Browser, lead_id: int, text: str) -> web.Response:
    page = await (await browser.get(f"/admin/leads/{lead_id}")).text()
    response: web.Response = await browser.post(
        f"/admin/leads/{lead_id}/reply", {"text": text, "form_key": form_key_of(page)}
    )
    return response


async def history(browser: Browser, lead_id: int) -> str:
    page = await (await browser.get(f"/admin/leads/{lead_id}")).text()
    found = HISTORY.search(page)
    assert found, "no history on the lead page"
    return found.group(1)


async def status_of(services: Services, lead_id: int) -> tuple[str, str | None]:
    async with services.sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        return lead.status, lead.outcome


async def test_a_reply_marks_a_new_lead_contacted_and_the_history_says_so(
    browser: Browser, services: Services
) -> None:
    """Writing to the young person is contacting them: no second click, and it is dated."""
    lead = await make_lead(services, channel="telegram", sender="7001")
    await browser.login("lea")
    sent = await reply(browser, lead.id, "Salut Inès, c'est Léa de la Mission Locale 🙂")
    assert sent.status == 303
    assert await status_of(services, lead.id) == ("contacted", None)
    lines = await history(browser, lead.id)
    assert "Message envoyé · Léa Conseillère" in lines
    assert "Statut changé : Contacté · Léa Conseillère" in lines
    async with services.sessions() as session:
        kinds = list(
            await session.scalars(
                select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)
            )
        )
        lead_row = await session.get(Lead, lead.id)
    assert kinds == ["reply", "status"]
    assert lead_row is not None
    assert lead_row.claimed_by is not None


async def test_a_reply_never_moves_a_lead_back(browser: Browser, services: Services) -> None:
    """A lead further along (an appointment set) stays where it is when the counsellor writes."""
    lead = await make_lead(services, channel="telegram", sender="7002")
    async with services.sessions.begin() as session:
        row = await session.get(Lead, lead.id)
        assert row is not None
        row.status = "appointment"
    await browser.login("lea")
    assert (await reply(browser, lead.id, "on se voit jeudi ?")).status == 303
    assert await status_of(services, lead.id) == ("appointment", None)
    assert "Statut changé" not in await history(browser, lead.id)


async def test_envoyer_leads_back_to_the_conversation_at_the_new_message(
    browser: Browser, services: Services
) -> None:
    """The redirect names the new message (#m-ID), which the transcript holds: without
    JavaScript the browser scrolls to it, where the answer will appear."""
    lead = await make_lead(services, channel="telegram", sender="7003")
    await browser.login("lea")
    sent = await reply(browser, lead.id, "t'es dispo demain aprem ?")
    location = sent.headers["Location"]
    match = re.fullmatch(rf"/admin/leads/{lead.id}#m-(\d+)", location)
    assert match, location
    page = await (await browser.get(location.split("#")[0])).text()
    assert f'id="m-{match.group(1)}"' in page
    assert "t&#39;es dispo demain aprem ?" in page


async def test_closing_without_an_outcome_is_refused_and_nothing_changes(
    browser: Browser, services: Services
) -> None:
    """No outcome, an unknown one, or an ending picked as a plain status: 400 with the reason."""
    lead = await make_lead(services)
    await browser.login("lea")
    for path, form in (
        ("close", {}),
        ("close", {"outcome": "bof"}),
        ("status", {"status": "closed"}),
        ("status", {"status": "mobilised"}),
    ):
        response = await browser.post(f"/admin/leads/{lead.id}/{path}", form)
        assert response.status == 400, (path, form)
        assert "Pour clore ce contact, choisis comment ça s&#39;est terminé" in (
            await response.text()
        )
    assert await status_of(services, lead.id) == ("new", None)


async def test_closing_records_the_outcome_and_reopening_clears_it(
    browser: Browser, services: Services
) -> None:
    """The outcome decides the ending, shows on the page and in the history; reopened, the lead
    has none until it is closed again."""
    lead = await make_lead(services)
    await browser.login("lea")
    closed = await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": "no_answer"})
    assert closed.status == 303
    assert await status_of(services, lead.id) == ("unreachable", "no_answer")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Injoignable · Pas de réponse, injoignable" in page
    assert "Statut changé : Injoignable (Pas de réponse, injoignable)" in page
    assert 'id="close"' not in page  # no second closing form on a closed lead
    again = await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": "cej"})
    assert again.status == 409
    reopened = await browser.post(f"/admin/leads/{lead.id}/status", {"status": "claimed"})
    assert reopened.status == 303
    assert await status_of(services, lead.id) == ("claimed", None)
    assert (await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": "job"})).status == 303
    assert await status_of(services, lead.id) == ("mobilised", "job")


async def test_mobilised_counts_the_young_people_who_entered_something(
    browser: Browser, services: Services
) -> None:
    """The funders' "Jeunes mobilisés" counts closings on CEJ, training, job or support; not an
    appointment set, nor a person oriented elsewhere or reached with nothing more to do. Those
    two were spoken with, so they count as "contactés"; a closing on "no answer" does not."""
    outcomes = ["cej", "training", "oriented", "reached", "no_answer", None]
    leads = [await make_lead(services, first_name=f"Jeune{n}") for n in range(len(outcomes))]
    await browser.login("lea")
    for lead, outcome in zip(leads, outcomes, strict=True):
        if outcome is not None:
            response = await browser.post(f"/admin/leads/{lead.id}/close", {"outcome": outcome})
            assert response.status == 303
    async with services.sessions.begin() as session:
        waiting = await session.get(Lead, leads[-1].id)
        assert waiting is not None
        waiting.status = "appointment"
    coordinator = Browser(browser.client)
    await browser.post("/admin/logout")
    await coordinator.login("coordinator")
    figures = await (await coordinator.get("/admin/figures")).text()
    assert re.search(r'data-figure="mobilised">\s*2\s*<', figures), "two mobilised expected"
    assert re.search(r'data-figure="contacted">\s*5\s*<', figures), "five contacted expected"
    assert "entrée en CEJ, en formation, en emploi" in figures


async def test_handing_back_tells_the_young_person_on_their_channel(
    browser: Browser, services: Services
) -> None:
    """On Telegram the hand-back puts "the bot answers again" in the outbox, in the transcript."""
    lead = await make_lead(services, channel="telegram", sender="7004")
    await browser.login("lea")
    await reply(browser, lead.id, "je te laisse avec le bot, bonne journée")
    handed = await browser.post(f"/admin/leads/{lead.id}/hand-back")
    assert handed.status == 303
    told = await (await browser.get(handed.headers["Location"])).text()
    assert "la personne reçoit un message qui le lui dit" in told
    live = services.events.stream()  # what an open lead page hears
    try:
        assert await tick(services) == 1
        heard = [live.get_nowait() for _ in range(live.qsize())]
    finally:
        services.events.close_stream(live)
    assert [(event.kind, event.lead_id) for event in heard] == [("message", lead.id)]
    async with services.sessions() as session:
        line = await session.scalar(
            select(Message)
            .where(Message.conversation_id == lead.conversation_id, Message.author == Author.BOT)
            .order_by(Message.id.desc())
        )
        assert line is not None
        assert line.text is not None
        assert line.text.startswith(BACK)
        queued = await session.scalar(select(OutboxItem).where(OutboxItem.message_id == line.id))
    assert queued is not None
    assert queued.channel == "telegram"
    transcript = await (await browser.get(f"/admin/leads/{lead.id}/messages?after=0")).text()
    assert "C&#39;est de nouveau moi, le bot" in transcript


async def test_the_notice_is_dropped_if_the_young_person_writes_first(
    client: Client, browser: Browser, services: Services
) -> None:
    """Held (quiet hours), the notice goes no more once the bot has answered them meanwhile."""
    lead = await make_lead(services, channel="rest", sender="webchat-first")
    await browser.login("lea")
    await reply(browser, lead.id, "je te laisse")
    assert (await browser.post(f"/admin/leads/{lead.id}/hand-back")).status == 303
    chat = RestChat(client, sender="webchat-first")
    assert await chat.say("ok merci, c koi les horaires ?")  # the bot answers at once
    assert await tick(services) == 0
    polled = await (await client.get("/webhooks/rest/messages?sender=webchat-first")).json()
    assert [item["from"] for item in polled] == ["counsellor"]


async def test_the_web_chat_fetches_the_notice_and_its_header_follows(
    client: Client, browser: Browser, services: Services
) -> None:
    """The web chat's poll carries the bot's notice and says nobody of the team holds it now."""
    lead = await make_lead(services, channel="rest", sender="webchat-back")
    await browser.login("lea")
    await reply(browser, lead.id, "Coucou, c'est Léa !")
    held = await client.get("/webhooks/rest/messages?sender=webchat-back")
    assert held.headers["X-Counsellor-Holds"] == "yes"
    assert (await browser.post(f"/admin/leads/{lead.id}/hand-back")).status == 303
    assert await tick(services) == 1
    polled = await client.get("/webhooks/rest/messages?sender=webchat-back")
    assert polled.headers["X-Counsellor-Holds"] == "no"
    lines = await polled.json()
    assert [item["from"] for item in lines] == ["counsellor", "bot"]
    assert lines[-1]["text"].startswith(BACK)


async def test_the_web_chat_poll_gives_each_message_time_with_its_zone(
    client: Client, browser: Browser, services: Services
) -> None:
    """``at`` carries its offset (UTC), on SQLite as on PostgreSQL: a client reading it does not
    take a UTC time for a local one (an hour off in Meuse in winter, two in summer)."""
    lead = await make_lead(services, channel="rest", sender="webchat-at")
    await browser.login("lea")
    before = datetime.now(UTC)
    await reply(browser, lead.id, "Coucou, c'est Léa !")
    [line] = await (await client.get("/webhooks/rest/messages?sender=webchat-at")).json()
    at = datetime.fromisoformat(line["at"])
    assert at.tzinfo is not None
    assert abs(at - before).total_seconds() < 60
