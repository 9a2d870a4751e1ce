"""``GET /api/stats``: the key figures, optionally over ``from``/``to`` (ISO dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from aiohttp import web

from outreach_bot.core.stats import key_figures
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key


def _day(raw: str | None) -> datetime | None:
    return None if raw is None else datetime.combine(date.fromisoformat(raw), time(), UTC)


async def stats_view(request: web.Request) -> web.Response:
    """Identified, consents, leads, urgent, mobilised, interventions."""
    try:
        since = _day(request.query.get("from"))
        until = _day(request.query.get("to"))
    except ValueError:
        return json_error(400, "from and to must be dates like 2026-01-31")
    async with request.app[services_key].sessions() as session:
        figures = await key_figures(session, since=since, until=until)
    return web.json_response(figures.as_dict())


def add_routes(app: web.Application) -> None:
    """Mount on the API sub-application."""
    app.router.add_get("/stats", stats_view)
