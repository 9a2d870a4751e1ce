"""The live feed of the back office: server-sent events filtered by sector."""

from __future__ import annotations

import asyncio
import json

from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.services import Services
from tests.web.admin.conftest import Browser, make_lead


async def _next_event(stream: object) -> tuple[str, dict[str, object]]:
    kind = ""
    while True:
        line = (await asyncio.wait_for(stream.readline(), 5)).decode().strip()  # type: ignore[attr-defined]
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind:
            return kind, json.loads(line.removeprefix("data: "))


async def test_feed_brings_only_my_sectors_events(browser: Browser, services: Services) -> None:
    """A counsellor's live feed carries their sector's new lead and skips another sector's."""
    mine = await make_lead(services)
    theirs = await make_lead(services, sector="hors-secteur")
    await browser.login("lea")
    response = await browser.get("/admin/events", headers={"Accept": "text/event-stream"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    await asyncio.sleep(0.05)  # let the handler subscribe
    await services.events.publish(
        TeamEvent("lead_created", theirs.conversation_id, theirs.id, theirs.sector_id)
    )
    await services.events.publish(
        TeamEvent("lead_created", mine.conversation_id, mine.id, mine.sector_id, first_name="X")
    )
    kind, data = await _next_event(response.content)
    assert kind == "lead_created"
    assert data == {
        "kind": "lead_created",
        "lead_id": mine.id,
        "conversation_id": mine.conversation_id,
        "urgent": False,
    }
    response.close()


async def test_feed_needs_a_session(client, staff) -> None:
    """Without signing in, the live feed answers 401 instead of a login page."""
    response = await client.get("/admin/events", headers={"Accept": "text/event-stream"})
    assert response.status == 401
