"""The lead page's appointment form when the quiet hours hold every message: over HTTP, with
quiet hours set around the moment the test runs (Saturday evening for Monday 09:00, in
miniature)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.config import Settings
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.services import Services
from outreach_bot.storage.models import ScheduledMessage
from tests.conftest import make_settings
from tests.web.admin.conftest import Browser, form_key_of, make_lead

NOW = datetime.now(PARIS).replace(second=0, microsecond=0)
QUIET_END = NOW + timedelta(hours=1)
"""When sending resumes: an hour after the test starts (its date may be tomorrow's)."""


@pytest.fixture(name="settings")
def _settings(tmp_path: Path) -> Settings:
    """Quiet hours from an hour ago to an hour from now, every day open."""
    return make_settings(
        tmp_path,
        quiet_hours_start=(NOW - timedelta(hours=1)).time(),
        quiet_hours_end=QUIET_END.time(),
        quiet_days="",
        quiet_on_public_holidays=False,
    )


async def fix(browser: Browser, services: Services, starts: datetime) -> str:
    """Léa fixes an appointment at ``starts`` from the lead page; the page she lands on."""
    lead = await make_lead(services, channel="sms", sender="+33633333333")
    await browser.login("lea")
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    form = {
        "day": starts.date().isoformat(),
        "time": f"{starts:%H:%M}",
        "place": "Mission Locale, Verdun",
        "with_whom": "Léa",
        "form_key": form_key_of(page),
    }
    assert (await browser.post(f"/admin/leads/{lead.id}/appointments", form)).status == 303
    return await (await browser.get(f"/admin/leads/{lead.id}")).text()


async def scheduled_kinds(services: Services) -> list[str]:
    async with services.sessions() as session:
        return list(await session.scalars(select(ScheduledMessage.kind)))


async def test_an_appointment_at_the_end_of_the_quiet_hours_says_nothing_will_be_sent(
    browser: Browser, services: Services
) -> None:
    """Set for 5 minutes after sending resumes: the page does not say "la personne est
    prévenue" but that no message will go, why, and to call; the history keeps it; nothing
    waits to be sent."""
    page = await fix(browser, services, QUIET_END + timedelta(minutes=5))
    assert "la personne est prévenue" not in page
    assert "aucun message ne partira" in page
    assert "rien ne part avant" in page
    assert f"{QUIET_END:%d/%m} à {QUIET_END:%H:%M}" in page
    assert "heures calmes" in page
    assert "Appelle la personne" in page
    assert page.count("aucun message ne partira") == 2  # the notice, and the history
    assert await scheduled_kinds(services) == []


async def test_an_appointment_later_on_says_when_the_young_person_is_told(
    browser: Browser, services: Services
) -> None:
    """Set for an hour after sending resumes: the page says the young person will be told when
    sending resumes, not that they already are."""
    page = await fix(browser, services, QUIET_END + timedelta(hours=1))
    assert "la personne est prévenue" not in page
    assert "la personne sera prévenue" in page
    assert f"{QUIET_END:%d/%m} à {QUIET_END:%H:%M}" in page
    assert await scheduled_kinds(services) == ["appointment"]
