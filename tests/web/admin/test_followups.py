"""The lead page's appointments and programmed messages, over HTTP and in headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.services import Services
from outreach_bot.storage.models import (
    Appointment,
    AppointmentStatus,
    ScheduledMessage,
    ScheduledStatus,
)
from tests.browser import sign_in
from tests.web.admin.conftest import EMAILS, Browser, form_key_of, make_lead
from tests.web.admin.test_browser import _base_url  # noqa: F401 - fixture used by name

NEXT_WEEK = (datetime.now(PARIS) + timedelta(days=8)).date().isoformat()


async def scheduled(services: Services) -> list[ScheduledMessage]:
    async with services.sessions() as session:
        return list(await session.scalars(select(ScheduledMessage).order_by(ScheduledMessage.id)))


def appointment_form(page: str) -> dict[str, str]:
    """Léa's appointment next week at 14:30 in Verdun, as the lead page's form sends it."""
    return {
        "day": NEXT_WEEK,
        "time": "14:30",
        "place": "Mission Locale, 12 rue Mazel, Verdun",
        "with_whom": "Léa",
        "form_key": form_key_of(page),
    }


async def test_a_web_chat_young_person_finds_the_appointment_in_the_chat(
    client: TestClient[web.Request, web.Application], browser: Browser, services: Services
) -> None:
    """The web chat cannot be written to first, but its page fetches what waits for it: the
    appointment Léa fixed shows there (as her messages do), rather than silently never going."""
    lead = await make_lead(services, channel="rest", sender="webchat-rdv")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    form = appointment_form(page)
    assert (await browser.post(f"/admin/leads/{lead.id}/appointments", form)).status == 303
    scheduler = services.scheduler
    assert await scheduler.tick(now=scheduler.rules.next_open(datetime.now(UTC))) == 1
    polled = await (await client.get("/webhooks/rest/messages?sender=webchat-rdv")).json()
    assert [item["text"][:25] for item in polled] == ["C'est noté : rendez-vous "]
    assert "Mission Locale, 12 rue Mazel, Verdun" in polled[0]["text"]


async def test_setting_an_appointment_schedules_its_messages(
    browser: Browser, services: Services
) -> None:
    """The form tells the young person at once and plans two reminders; a double submit is one."""
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Fixer un rendez-vous" in page
    form = appointment_form(page)
    first = await browser.post(f"/admin/leads/{lead.id}/appointments", form)
    assert first.status == 303
    again = await browser.post(f"/admin/leads/{lead.id}/appointments", form)
    assert again.status == 409
    kinds = [row.kind for row in await scheduled(services)]
    assert kinds == ["appointment", "appointment_reminder", "appointment_reminder"]
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Rappel de rendez-vous" in page
    assert "Prévu" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("day", "2020-01-01", "déjà passé"),
        ("time", "9 heures", "Heure invalide"),
        ("with_whom", "", "avec qui"),
        ("place", "", "Choisis un lieu"),
    ],
)
async def test_a_wrong_appointment_form_keeps_the_page_and_says_why(
    browser: Browser, services: Services, field: str, value: str, message: str
) -> None:
    """A wrong field gives 400 with the reason, and nothing is scheduled."""
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("lea")
    form = {"day": NEXT_WEEK, "time": "14:30", "place": "Verdun", "with_whom": "Léa"}
    form[field] = value
    response = await browser.post(f"/admin/leads/{lead.id}/appointments", form)
    assert response.status == 400
    assert message in await response.text()
    assert await scheduled(services) == []


async def test_send_later_is_listed_and_can_be_cancelled(
    browser: Browser, services: Services
) -> None:
    """A programmed message shows with its time and text, and "Annuler" stops it."""
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    sent = await browser.post(
        f"/admin/leads/{lead.id}/later",
        {
            "text": "Coucou, pense à ta carte d'identité jeudi !",
            "day": NEXT_WEEK,
            "time": "10:00",
            "form_key": form_key_of(page),
        },
    )
    assert sent.status == 303
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "pense à ta carte d" in page
    (row,) = await scheduled(services)
    assert row.due_at.replace(tzinfo=UTC).astimezone(PARIS).hour == 10
    cancelled = await browser.post(f"/admin/leads/{lead.id}/scheduled/{row.id}/cancel", {})
    assert cancelled.status == 303
    (row,) = await scheduled(services)
    assert row.status == ScheduledStatus.CANCELLED
    twice = await browser.post(f"/admin/leads/{lead.id}/scheduled/{row.id}/cancel", {})
    assert twice.status == 409


async def test_another_sectors_counsellor_cannot_act_on_the_lead(
    browser: Browser, services: Services
) -> None:
    """Sam works elsewhere: the lead's actions answer 404, as for a missing lead."""
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("sam")
    response = await browser.post(
        f"/admin/leads/{lead.id}/later",
        {"text": "Salut", "day": NEXT_WEEK, "time": "10:00"},
    )
    assert response.status == 404
    assert await scheduled(services) == []


@pytest.mark.browser
async def test_set_an_appointment_and_mark_absent_in_a_real_browser(
    base_url: str,
    browser_page: Any,
    services: Services,
) -> None:
    """Léa fixes an appointment from the lead page, it happens, she marks "Absent": the kind
    message of the next morning is listed as waiting."""
    lead = await make_lead(services, channel="sms", sender="+33633333333")
    page = browser_page
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    await page.get_by_label("Date").first.fill(NEXT_WEEK)
    await page.locator("#appointment-time").fill("14:30")
    await page.get_by_label("Autre lieu").fill("Mission Locale, 12 rue Mazel, Verdun")
    await page.get_by_label("Avec qui").fill("Léa")
    await page.get_by_role("button", name="Fixer le rendez-vous").click()
    await page.get_by_text("Rendez-vous enregistré").wait_for()
    assert await page.locator(".appointment").count() == 1
    # A week goes by: the appointment is in the past.
    async with services.sessions.begin() as session:
        await session.execute(
            update(Appointment).values(starts_at=datetime.now(UTC) - timedelta(hours=3))
        )
    await page.reload()
    await page.locator(".appointment").get_by_role("button", name="Absent").click()
    await page.get_by_text("Noté : absent.").wait_for()
    await page.locator(".waiting").get_by_text("Message après une absence").wait_for()
    async with services.sessions() as session:
        appointment = await session.scalar(select(Appointment))
    assert appointment is not None
    assert appointment.status == AppointmentStatus.MISSED


TOO_BIG_ID = str(2**31)
NASTY = ["", " ", "\x00", "²", "٣", "9999-12-31", "31/02/2030", "25:61", "😀" * 50, "x" * 5000]


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize("field", ["day", "time", "place_id", "place", "with_whom"])
async def test_no_appointment_input_gives_a_server_error(
    browser: Browser, services: Services, field: str, value: str
) -> None:
    """Whatever a field holds, the answer is a redirect or a 4xx page, never a 500."""
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("lea")
    form = {"day": NEXT_WEEK, "time": "14:30", "place": "Verdun", "with_whom": "Léa"}
    form[field] = value
    response = await browser.post(f"/admin/leads/{lead.id}/appointments", form)
    assert response.status in {303, 400, 404, 409}


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/leads/{TOO_BIG_ID}/appointments",
        f"/admin/leads/{TOO_BIG_ID}/later",
        "/admin/leads/1/appointments/²/outcome",
        f"/admin/leads/1/appointments/{TOO_BIG_ID}/outcome",
        f"/admin/leads/1/scheduled/{TOO_BIG_ID}/cancel",
        "/admin/leads/1/scheduled/٣/cancel",
    ],
)
async def test_an_impossible_id_is_not_found(
    browser: Browser, services: Services, path: str
) -> None:
    """Ids no row can have give the back office's 404 page."""
    await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("admin")
    response = await browser.post(path, {"came": "no", "text": "x", "day": NEXT_WEEK})
    assert response.status in {404, 409}


async def test_what_waits_is_listed_at_the_time_it_will_really_leave(
    browser: Browser, services: Services
) -> None:
    """An appointment at 09:30: its "2 h before" reminder falls at 07:30, in the quiet hours,
    so it leaves at 09:00. The lead page says 09:00, the moment the young person gets it."""
    rules = services.scheduler.rules
    day = (datetime.now(PARIS) + timedelta(days=8)).date()
    while not rules.is_open_day(day):
        day += timedelta(days=1)
    lead = await make_lead(services, channel="sms", sender="+33622222222")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    form = {
        "day": day.isoformat(),
        "time": "09:30",
        "place": "Mission Locale, Stenay",
        "with_whom": "Léa",
        "form_key": form_key_of(page),
    }
    assert (await browser.post(f"/admin/leads/{lead.id}/appointments", form)).status == 303
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    on = f"{day:%d/%m/%Y}"
    assert f"{on} 09:00 · Rappel de rendez-vous" in page
    assert f"{on} 07:30" not in page
