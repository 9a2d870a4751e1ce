"""What the lead page's "Rendez-vous et messages programmés" section shows (its actions are
in :mod:`outreach_bot.web.admin.followups`, which imports the lead page; this module does not,
so the lead page can import it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from outreach_bot.core.followups.later import waiting_for
from outreach_bot.core.outreach.places import list_places
from outreach_bot.domain.places import team_today
from outreach_bot.web.admin.security import current_account
from outreach_bot.web.keys import services_key


async def followups_context(request: web.Request, lead_id: int) -> dict[str, Any]:
    """What the section shows: appointments, waiting messages, the team's places."""
    services = request.app[services_key]
    account = current_account(request)
    now = datetime.now(UTC)
    return {
        "appointments": await services.appointments.appointments_of(account, lead_id),
        # Listed at the moment they will leave, not at the one asked (quiet hours, Sundays).
        "waiting": [
            replace(item, due_at=services.scheduler.leaves_at(item.kind, item.due_at, now))
            for item in await waiting_for(services.sessions, account, lead_id)
        ],
        "places": [
            place
            for place in await list_places(services.sessions, today=team_today(now))
            if not place.past
        ],
    }
