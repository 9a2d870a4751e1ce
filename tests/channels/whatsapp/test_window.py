"""The 24-hour window: free text inside, approved templates outside, a clear word otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from outreach_bot.core.schedule import schedule
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import (
    Conversation,
    Lead,
    OutboxItem,
    ScheduledMessage,
    ScheduledStatus,
)
from tests.channels.sms.conftest import settle
from tests.channels.whatsapp.conftest import YOUNG_PERSON, Client, FakeGraph
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser, form_key_of, make_lead

TEMPLATES = "counsellor=message_conseiller:fr,*=message_mission_locale:fr"
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from outreach_bot.core.staff import accounts as users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


async def whatsapp_lead(services: Services, *, silent_for: timedelta) -> Lead:
    """A WhatsApp lead whose young person last wrote ``silent_for`` ago."""
    lead = await make_lead(services, channel="whatsapp", sender=YOUNG_PERSON)
    async with services.sessions.begin() as session:
        await session.execute(
            update(Conversation).values(last_message_at=datetime.now(UTC) - silent_for)
        )
    return lead


async def lead_page(client: Client, services: Services, lead: Lead) -> tuple[Browser, str]:
    """Léa, a counsellor of the lead's sector, signs in and opens the lead page."""
    await add_user(
        services.sessions,
        EMAILS["lea"],
        role="counsellor",
        password=PASSWORD,
        sectors=["nord-meusien"],
        display_name="Léa",
    )
    browser = Browser(client)
    assert (await browser.login("lea")).status == 303
    page = await browser.get(f"/admin/leads/{lead.id}")
    assert page.status == 200
    return browser, await page.text()


async def counsellor_writes(client: Client, services: Services, lead: Lead, text: str) -> Any:
    """Léa opens the lead page and writes from its reply form."""
    browser, html = await lead_page(client, services, lead)
    key = form_key_of(html)
    return await browser.post(f"/admin/leads/{lead.id}/reply", {"text": text, "form_key": key})


async def test_inside_the_window_a_counsellor_writes_free_text(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """Answering the young person's message of a moment ago, the words go as a text."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(minutes=10))
    response = await counsellor_writes(wa_client, wa_services, lead, "Bonjour, c'est Léa.")
    assert response.status == 303
    await settle(wa_services)
    assert [m["type"] for m in graph.sent] == ["text"]
    assert graph.sent[0]["text"]["body"] == "Bonjour, c'est Léa."


async def test_outside_the_window_without_template_the_counsellor_is_told(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """After 24 h and with no counsellor template, the reply form says why and what to do;
    nothing is queued or sent."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(hours=25))
    response = await counsellor_writes(wa_client, wa_services, lead, "Tu es toujours là ?")
    assert response.status == 409
    html = await response.text()
    assert "plus de 24" in html
    assert "OUTREACH_WHATSAPP_TEMPLATES" in html
    assert "Appelle cette personne" in html
    await settle(wa_services)
    assert graph.sent == []
    async with wa_services.sessions() as session:
        assert await session.scalar(select(OutboxItem)) is None


@pytest.mark.parametrize("wa_overrides", [{"whatsapp_templates": TEMPLATES}])
async def test_outside_the_window_the_counsellor_template_carries_the_words(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """With a counsellor template, the message goes as that template, its text the variable."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(days=3))
    response = await counsellor_writes(wa_client, wa_services, lead, "Tu es toujours là ?\nLéa")
    assert response.status == 303
    await release_held(wa_services)
    assert len(graph.sent) == 1
    template = graph.sent[0]["template"]
    assert graph.sent[0]["type"] == "template"
    assert template["name"] == "message_conseiller"
    assert template["language"] == {"code": "fr"}
    parameters = template["components"][0]["parameters"]
    assert parameters == [{"type": "text", "text": "Tu es toujours là ? Léa"}]


async def queue_scheduled(services: Services, lead: Lead) -> int:
    async with services.sessions.begin() as session:
        item = await schedule(
            session,
            lead.conversation_id or 0,
            kind="test_nudge",
            due_at=MONDAY_MORNING - timedelta(hours=1),
            text="On se voit mardi au forum ?",
            now=MONDAY_MORNING - timedelta(days=1),
        )
        return item.id


async def release_held(services: Services) -> None:
    """Let the outbox send now what the quiet hours hold (the test may run on a Sunday)."""
    async with services.sessions.begin() as session:
        await session.execute(
            update(OutboxItem).values(not_before=datetime.now(UTC) - timedelta(seconds=1))
        )
    await settle(services)


async def send_due(services: Services) -> None:
    """Tick the scheduler on a Monday morning, then let the outbox send what it queued."""
    await services.scheduler.tick(now=MONDAY_MORNING)
    await release_held(services)


async def test_a_scheduled_message_outside_the_window_without_template_is_skipped(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """A follow-up falling due a day after the last message, with no template, is skipped
    with its reason and never reaches Meta."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(days=2))
    item_id = await queue_scheduled(wa_services, lead)
    await send_due(wa_services)
    async with wa_services.sessions() as session:
        item = await session.get(ScheduledMessage, item_id)
    assert item is not None
    assert item.status == ScheduledStatus.SKIPPED
    assert "24-hour window" in (item.reason or "")
    assert graph.sent == []


@pytest.mark.parametrize("wa_overrides", [{"whatsapp_templates": TEMPLATES}])
async def test_a_scheduled_message_outside_the_window_goes_as_the_template(
    wa_client: Client, wa_services: Services, graph: FakeGraph
) -> None:
    """With a catch-all template, the follow-up goes out as that approved template."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(days=2))
    await queue_scheduled(wa_services, lead)
    await send_due(wa_services)
    assert len(graph.sent) == 1
    assert graph.sent[0]["template"]["name"] == "message_mission_locale"
    parameters = graph.sent[0]["template"]["components"][0]["parameters"]
    assert parameters[0]["text"] == "On se voit mardi au forum ?"


@pytest.mark.parametrize(
    ("wa_overrides", "silent_for", "expected"),
    [
        ({}, timedelta(hours=2), None),
        ({}, timedelta(hours=30), "aucun n'est configuré pour les conseillers"),
        ({"whatsapp_templates": TEMPLATES}, timedelta(hours=30), "« message_conseiller »"),
    ],
    ids=["open", "closed-no-template", "closed-template"],
)
async def test_the_lead_page_warns_before_writing_outside_the_window(
    wa_client: Client, wa_services: Services, silent_for: timedelta, expected: str | None
) -> None:
    """Before typing, the counsellor reads whether the window is closed and what will happen."""
    lead = await whatsapp_lead(wa_services, silent_for=silent_for)
    _, html = await lead_page(wa_client, wa_services, lead)
    if expected is None:
        assert 'id="whatsapp-window"' not in html
    else:
        assert 'id="whatsapp-window"' in html
        assert expected in unescape(html)


async def fix_appointment(client: Client, services: Services, lead: Lead) -> str:
    """Léa fixes an appointment in eight days at 14:30 from the lead page; the page after."""
    browser, html = await lead_page(client, services, lead)
    day = (datetime.now(UTC) + timedelta(days=8)).date().isoformat()
    form = {
        "day": day,
        "time": "14:30",
        "place": "Mission Locale, Verdun",
        "with_whom": "Léa",
        "form_key": form_key_of(html),
    }
    response = await browser.post(f"/admin/leads/{lead.id}/appointments", form)
    assert response.status == 303
    return await (await browser.get(f"/admin/leads/{lead.id}")).text()


async def test_an_appointment_outside_the_window_without_template_tells_the_counsellor(
    wa_client: Client, wa_services: Services
) -> None:
    """The young person last wrote two days ago and no template serves appointments: WhatsApp
    would refuse the announcement, so the page does not say the person is told, but why not
    and to call."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(days=2))
    page = unescape(await fix_appointment(wa_client, wa_services, lead))
    assert "la personne est prévenue" not in page
    assert "la personne sera prévenue" not in page
    assert "aucun message ne partira" in page
    assert "24 h" in page
    assert "OUTREACH_WHATSAPP_TEMPLATES" in page
    assert "Appelle" in page


@pytest.mark.parametrize("wa_overrides", [{"whatsapp_templates": TEMPLATES}])
async def test_an_appointment_outside_the_window_with_a_template_is_told(
    wa_client: Client, wa_services: Services
) -> None:
    """With a template for every kind, the announcement can go: the page says so."""
    lead = await whatsapp_lead(wa_services, silent_for=timedelta(days=2))
    page = unescape(await fix_appointment(wa_client, wa_services, lead))
    assert "aucun message ne partira" not in page
    assert "prévenue" in page
