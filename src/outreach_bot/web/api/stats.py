"""``GET /api/stats``: the same figures as the back-office dashboard, as JSON.

``from`` and ``to`` are ISO dates, both included; either may be left out. The top level keeps
``identified``, ``consents``, ``leads``, ``urgent``, ``mobilised`` and ``interventions``, then
adds ``scans``, ``contacted``, the period, and the funnels per campaign, sector and week, and
``referrals`` (per partner and month: proposed, agreed, accepted, with_outcome) and
``contact_lists`` (each contact list's campaign since it began, as on the figures page).
"""

from __future__ import annotations

from aiohttp import web

from outreach_bot.core.figures.lists import list_figures
from outreach_bot.core.figures.referrals import referral_figures
from outreach_bot.core.figures.stats import Period, compute_figures
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.web.api.auth import api_client_key
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key


async def stats_view(request: web.Request) -> web.Response:
    """Key figures, funnels and weekly series over an optional period (the token's sectors)."""
    try:
        period = Period.parse(request.query.get("from"), request.query.get("to"))
    except InvalidInputError as error:
        return json_error(400, str(error))
    sessions = request.app[services_key].sessions
    sector_ids = request[api_client_key].sector_ids
    figures = await compute_figures(sessions, period, sector_ids=sector_ids)
    body = figures.as_dict()
    # Referrals are counted per partner, not per sector: a token scoped to sectors gets none.
    rows = await referral_figures(sessions, period) if sector_ids is None else []
    body["referrals"] = [row.as_dict() for row in rows]
    # A contact list belongs to no sector, and its figures run since it began whatever the
    # period (as on the figures page): likewise none for a token scoped to sectors.
    lists = await list_figures(sessions) if sector_ids is None else []
    body["contact_lists"] = [row.as_dict() for row in lists]
    return web.json_response(body)


def add_routes(app: web.Application) -> None:
    """Mount on the API sub-application."""
    app.router.add_get("/stats", stats_view)
