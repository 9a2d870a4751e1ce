"""The queue's default order (urgent, then newest) and the lead page's conversation log."""

from __future__ import annotations

import re

from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead
from tests.channels.rest.test_conversation import run_full_lead
from tests.factories import RestChat
from tests.web.admin.conftest import Browser, make_lead


def _names(html: str) -> list[str]:
    return re.findall(r'<h2 class="name"><a href="/admin/leads/\d+">([^<]+)</a>', html)


async def test_queue_shows_urgent_then_newest_first_by_default(
    browser: Browser, services: Services
) -> None:
    """The 21st lead is first of the ordinary ones, not 21st; "oldest" order is one click."""
    await make_lead(services, first_name="Urgence", urgent=True)
    for number in range(1, 21):
        await make_lead(services, first_name=f"Ancien{number:02d}")
    await make_lead(services, first_name="Nouvelle")
    await browser.login("lea")
    names = _names(await (await browser.get("/admin/")).text())
    assert names[:3] == ["Urgence", "Nouvelle", "Ancien20"]
    assert names[-1] == "Ancien01"
    oldest = _names(await (await browser.get("/admin/?order=oldest")).text())
    assert oldest[:3] == ["Urgence", "Ancien01", "Ancien02"]
    assert oldest[-1] == "Nouvelle"


async def test_lead_log_shows_the_buttons_as_the_young_person_saw_them(
    client, browser: Browser, services: Services
) -> None:
    """The summary's "Corriger" shows as « Corriger », never as "Non" nor as ``/deny``."""
    await run_full_lead(RestChat(client, sender="young-log"))
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    await browser.login("lea")
    html = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    log = html[html.index('id="transcript"') :]
    assert "a choisi le bouton « Corriger »" in log
    assert "a choisi le bouton « Le matin »" in log
    assert "a choisi le bouton « Âge »" in log
    assert "/deny" not in log
    assert "« Non »" not in log
    assert "non / corriger" not in log


async def test_export_holds_the_button_titles(
    client, browser: Browser, services: Services
) -> None:
    """What is kept about a button press is in the young person's export too."""
    await run_full_lead(RestChat(client, sender="young-export"))
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    await browser.login("admin")
    export = await (await browser.get(f"/admin/leads/{lead.id}/export.json")).json()
    pressed = [(item["text"], item["button"]) for item in export["messages"] if item["button"]]
    assert ("/deny", "Corriger") in pressed
