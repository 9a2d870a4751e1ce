"""The queue and the lead page over HTTP: sectors, claims, follow-up, takeover, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Lead, LeadEvent, Message, OutboxItem
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, Staff, form_key_of, make_lead


async def test_queue_shows_my_sectors_urgent_first(browser: Browser, services: Services) -> None:
    """A counsellor sees only their sector's leads, the urgent one first, with counts."""
    await make_lead(services, first_name="Ancien")
    await make_lead(services, first_name="Urgence", urgent=True)
    await make_lead(services, first_name="Ailleurs", sector="hors-secteur")
    await browser.login("lea")
    html = await (await browser.get("/admin/")).text()
    assert html.index("Urgence") < html.index("Ancien")
    assert "Ailleurs" not in html
    assert "Nouveau <b>2</b>" in html


async def test_coordinator_sees_every_sector_and_filters(
    browser: Browser, services: Services
) -> None:
    """A coordinator sees all sectors, and the sector filter narrows the list."""
    await make_lead(services, first_name="Ancien")
    await make_lead(services, first_name="Ailleurs", sector="hors-secteur")
    await browser.login("coordinator")
    html = await (await browser.get("/admin/")).text()
    assert "Ancien" in html
    assert "Ailleurs" in html
    filtered = await (await browser.get("/admin/?sector=hors-secteur&status=all")).text()
    assert "Ailleurs" in filtered
    assert "Ancien" not in filtered


async def test_other_sectors_lead_is_not_found_everywhere(
    browser: Browser, services: Services
) -> None:
    """Another sector's lead id gives 404 on the page, its pieces and every action."""
    lead = await make_lead(services, sector="hors-secteur")
    await browser.login("lea")
    for path in ("", "/card", "/messages?after=0"):
        assert (await browser.get(f"/admin/leads/{lead.id}{path}")).status == 404
    actions = ("claim", "status", "close", "note", "reply", "hand-back", "reassign", "next-action")
    for action in actions:
        response = await browser.post(
            f"/admin/leads/{lead.id}/{action}", {"status": "claimed", "outcome": "cej"}
        )
        assert response.status == 404, action
    assert (await browser.get("/admin/leads/999999")).status == 404
    assert (await browser.get("/admin/leads/abc")).status == 404


async def test_counsellor_cannot_use_admin_routes(browser: Browser, services: Services) -> None:
    """Export, erasure and the audit log answer 403 to a counsellor, and nothing is erased."""
    lead = await make_lead(services)
    await browser.login("lea")
    assert (await browser.get(f"/admin/leads/{lead.id}/export.json")).status == 403
    assert (await browser.post(f"/admin/leads/{lead.id}/erase", {"confirm": "yes"})).status == 403
    assert (await browser.get("/admin/audit")).status == 403
    async with services.sessions() as session:
        assert await session.get(Lead, lead.id) is not None


async def test_claim_then_double_submit_is_told_clearly(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """Claiming works once; the same click again answers 409 with a clear message."""
    lead = await make_lead(services)
    await browser.login("lea")
    first = await browser.post(f"/admin/leads/{lead.id}/claim")
    assert first.status == 303
    page = await browser.get(first.headers["Location"])
    assert "Contact pris en charge" in await page.text()
    again = await browser.post(f"/admin/leads/{lead.id}/claim")
    assert again.status == 409
    assert "tu as déjà pris ce contact" in await again.text()
    async with services.sessions() as session:
        saved = await session.get(Lead, lead.id)
        events = list(await session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)))
    assert saved is not None
    assert (saved.status, saved.claimed_by) == ("claimed", staff.lea)
    assert [event.kind for event in events] == ["claimed"]


async def test_second_counsellor_is_told_who_claimed(
    browser: Browser, second_browser: Browser, services: Services
) -> None:
    """When a colleague claimed first, the other counsellor gets 409 naming them."""
    lead = await make_lead(services)
    await browser.login("lea")
    await second_browser.login("marc")
    assert (await browser.post(f"/admin/leads/{lead.id}/claim")).status == 303
    late = await second_browser.post(f"/admin/leads/{lead.id}/claim")
    assert late.status == 409
    assert "déjà pris par Léa Conseillère" in await late.text()


async def test_names_and_messages_are_escaped(browser: Browser, services: Services) -> None:
    """HTML typed by a young person shows as text on the queue and the lead page."""
    lead = await make_lead(
        services,
        first_name="<script>alert(1)</script>",
        need="<img src=x onerror=alert(2)>",
        messages=("<b>gras</b><script>alert(3)</script>",),
    )
    await browser.login("lea")
    for path in ("/admin/", f"/admin/leads/{lead.id}", f"/admin/leads/{lead.id}/card"):
        html = await (await browser.get(path)).text()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = await browser.get(f"/admin/leads/{lead.id}")
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'self'
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


async def test_status_follows_the_allowed_path(browser: Browser, services: Services) -> None:
    """Statuses move along the path; a jump backwards is refused with 400 and nothing changes."""
    lead = await make_lead(services)
    await browser.login("lea")
    for status in ("claimed", "contacted", "appointment"):
        assert (
            await browser.post(f"/admin/leads/{lead.id}/status", {"status": status})
        ).status == 303
    refused = await browser.post(f"/admin/leads/{lead.id}/status", {"status": "claimed"})
    assert refused.status == 400
    same = await browser.post(f"/admin/leads/{lead.id}/status", {"status": "appointment"})
    assert same.status == 409
    async with services.sessions() as session:
        saved = await session.get(Lead, lead.id)
    assert saved is not None
    assert saved.status == "appointment"


async def test_note_next_action_and_reassignment(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """Notes, the next action date and a hand-over to a colleague all land in the history."""
    lead = await make_lead(services)
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    key = form_key_of(page)
    note = {"note": "Rappeler <mardi>", "form_key": key}
    assert (await browser.post(f"/admin/leads/{lead.id}/note", note)).status == 303
    twice = await browser.post(f"/admin/leads/{lead.id}/note", note)
    assert twice.status == 409
    assert "déjà enregistrée" in await twice.text()
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    assert (await browser.post(f"/admin/leads/{lead.id}/next-action", {"on": day})).status == 303
    bad_day = await browser.post(f"/admin/leads/{lead.id}/next-action", {"on": "demain"})
    assert bad_day.status == 400
    to_sam = await browser.post(f"/admin/leads/{lead.id}/reassign", {"user": str(staff.sam)})
    assert to_sam.status == 400  # Sam works in another sector
    to_marc = await browser.post(f"/admin/leads/{lead.id}/reassign", {"user": str(staff.marc)})
    assert to_marc.status == 303
    html = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Rappeler &lt;mardi&gt;" in html
    assert "confié à : Marc" in html
    async with services.sessions() as session:
        saved = await session.get(Lead, lead.id)
        notes = await session.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "note")
        )
        assert len(list(notes)) == 1
    assert saved is not None
    assert saved.claimed_by == staff.marc
    assert saved.next_action_on is not None
    assert saved.next_action_on.isoformat() == day


@pytest.mark.parametrize(
    ("silent_for", "held"), [(timedelta(hours=2), True), (timedelta(0), False)]
)
async def test_sms_reply_is_queued_with_the_policy_and_silences_the_bot(
    browser: Browser, services: Services, staff: Staff, silent_for: timedelta, held: bool
) -> None:
    """A counsellor writing first waits for the sending rules; answering a message the young
    person sent a moment ago goes at once."""
    later = datetime.now(UTC) + timedelta(hours=9)

    class QuietHours:
        def earliest(self, now: datetime, *, in_reply: bool) -> datetime:
            return now if in_reply else later

    services.send_policies["sms"] = QuietHours()
    lead = await make_lead(services, channel="sms", sender="+33611111111")
    async with services.sessions.begin() as session:
        talked = await session.get(Conversation, lead.conversation_id)
        assert talked is not None
        talked.last_message_at = datetime.now(UTC) - silent_for
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Compter les SMS" in page
    preview = await browser.post(
        f"/admin/leads/{lead.id}/reply", {"text": "Bonjour, c'est Léa", "action": "preview"}
    )
    assert "1 SMS (GSM-7)" in await preview.text()
    before = datetime.now(UTC)
    sent = await browser.post(
        f"/admin/leads/{lead.id}/reply",
        {"text": "Bonjour, c'est Léa de la Mission Locale", "form_key": form_key_of(page)},
    )
    after = datetime.now(UTC)
    assert sent.status == 303
    async with services.sessions() as session:
        item = await session.scalar(select(OutboxItem))
        conversation = await session.get(Conversation, lead.conversation_id)
        message = await session.scalar(select(Message).where(Message.author == "counsellor"))
    assert item is not None
    assert item.channel == "sms"
    queued_for = item.not_before.replace(tzinfo=UTC)
    if held:
        assert abs((queued_for - later).total_seconds()) < 1
    else:
        assert before <= queued_for <= after
    assert conversation is not None
    assert conversation.takeover_by == staff.lea
    assert conversation.takeover_until is not None
    assert message is not None
    assert message.author_user_id == staff.lea


async def test_reply_after_stop_is_refused_and_the_draft_kept(
    browser: Browser, services: Services
) -> None:
    """Writing to someone who sent STOP answers 409 and keeps what was typed."""
    lead = await make_lead(services, channel="sms", opted_out=True)
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    response = await browser.post(
        f"/admin/leads/{lead.id}/reply",
        {"text": "Tu es toujours là ?", "form_key": form_key_of(page)},
    )
    assert response.status == 409
    html = await response.text()
    assert "STOP" in html
    assert "Tu es toujours là ?" in html


async def test_web_chat_takeover_round_trip(client, browser: Browser, services: Services) -> None:
    """On the web chat the bot falls silent, the page fetches the reply, hand-back restores it."""
    chat = RestChat(client, sender="webchat-abc123")
    await chat.say("salut")
    assert chat.last  # the bot answers before the takeover
    lead = await make_lead(services, channel="rest", sender="other")
    async with services.sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.channel == "rest").order_by(Conversation.id)
        )
        assert conversation is not None
        saved = await session.get(Lead, lead.id)
        assert saved is not None
        saved.conversation_id = conversation.id
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    key = form_key_of(page)
    sent = await browser.post(
        f"/admin/leads/{lead.id}/reply", {"text": "Coucou, ici Léa", "form_key": key}
    )
    assert sent.status == 303
    again = await browser.post(
        f"/admin/leads/{lead.id}/reply", {"text": "Coucou, ici Léa", "form_key": key}
    )
    assert again.status == 303  # the double submit is absorbed, with a message
    assert "déjà parti" in await (await browser.get(again.headers["Location"])).text()
    polled = await (
        await client.get("/webhooks/rest/messages?sender=webchat-abc123&after=0")
    ).json()
    assert [item["text"] for item in polled] == ["Coucou, ici Léa"]
    later = await (
        await client.get(f"/webhooks/rest/messages?sender=webchat-abc123&after={polled[0]['id']}")
    ).json()
    assert later == []
    await chat.say("merci !")
    assert chat.last == []  # the bot keeps quiet during the takeover
    transcript = await (await browser.get(f"/admin/leads/{lead.id}/messages?after=0")).text()
    assert "merci !" in transcript
    assert (await browser.post(f"/admin/leads/{lead.id}/hand-back")).status == 303
    await chat.say("salut")
    assert chat.last  # the bot answers again


async def test_after_a_takeover_runs_out_the_bot_says_it_is_back_once(
    client, browser: Browser, services: Services
) -> None:
    """Léa wrote, then nothing for a day (no hand-back): the young person's next message gets
    "c'est de nouveau moi, le bot" before the answer, once; a crisis text is never delayed by
    it. No message is sent on its own for that: the next answer says it, at no SMS cost."""
    chat = RestChat(client, sender="webchat-timeout1")
    await chat.say("salut")
    lead = await make_lead(services, channel="rest", sender="other")
    async with services.sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.channel == "rest").order_by(Conversation.id)
        )
        assert conversation is not None
        saved = await session.get(Lead, lead.id)
        assert saved is not None
        saved.conversation_id = conversation.id
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    sent = await browser.post(
        f"/admin/leads/{lead.id}/reply", {"text": "Coucou, ici Léa", "form_key": form_key_of(page)}
    )
    assert sent.status == 303
    await chat.say("ok merci")
    assert chat.last == []  # Léa holds the conversation
    back = services.content.message("handed_back", "fr")
    async with services.sessions.begin() as session:
        held = await session.get(Conversation, conversation.id)
        assert held is not None
        held.takeover_until = datetime.now(UTC) - timedelta(minutes=1)  # the day has passed
    await chat.say("c quoi le cej")
    assert chat.last[0]["text"] == back
    assert services.content.answers["cej"].text.fr in chat.text()
    await chat.say("et c payé combien")
    assert back not in chat.text()
    async with services.sessions() as session:
        after = await session.get(Conversation, conversation.id)
        assert after is not None
        assert after.takeover_until is None
    late = await browser.post(f"/admin/leads/{lead.id}/hand-back")
    assert late.status == 409  # nothing to hand back any more, and the page says why
    assert "le bot répond déjà" in await late.text()


async def test_web_chat_poll_rejects_bad_input(client) -> None:
    """The poll endpoint answers 400 with a JSON reason on a missing sender or a bad id."""
    assert (await client.get("/webhooks/rest/messages")).status == 400
    bad = await client.get("/webhooks/rest/messages?sender=x&after=-1")
    assert bad.status == 400
    assert "error" in await bad.json()


async def test_a_lead_from_a_partner_rasa_assistant_has_no_reply_box(
    browser: Browser, services: Services
) -> None:
    """We cannot write back through a partner's Rasa assistant: no reply box, and 409 if forced."""
    lead = await make_lead(services, channel="rasa")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Assistant Rasa" in page
    assert 'id="reply"' not in page
    forced = await browser.post(
        f"/admin/leads/{lead.id}/reply", {"text": "Allô ?", "form_key": "forced-key"}
    )
    assert forced.status == 409
