"""``GET /api/leads`` and ``GET /api/leads/{id}``."""

from __future__ import annotations

from aiohttp import web

from outreach_bot.core.leads.queue import LeadFilter, get_lead, list_leads
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.domain.numbers import parse_record_id, parse_whole_number
from outreach_bot.web.api.auth import api_client_key, token_name_key
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key

MAX_PAGE = 500


def _int_param(request: web.Request, name: str, default: int) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    return parse_whole_number(raw)


async def list_view(request: web.Request) -> web.Response:
    """Leads, urgent first then oldest; filters ``status``, ``sector``, ``campaign``.

    A token scoped to sectors gets only their leads, whatever the filters say.
    """
    limit = _int_param(request, "limit", 100)
    offset = _int_param(request, "offset", 0)
    if limit is None or offset is None or not 1 <= limit <= MAX_PAGE:
        return json_error(400, f"limit must be 1..{MAX_PAGE} and offset a whole number")
    filters = LeadFilter(
        status=request.query.get("status"),
        sector_code=request.query.get("sector"),
        campaign_code=request.query.get("campaign"),
        sector_ids=request[api_client_key].sector_ids,
        limit=limit,
        offset=offset,
    )
    actor = f"api:{request[token_name_key]}"
    async with request.app[services_key].sessions.begin() as session:
        views = await list_leads(session, filters)
        await record_access(
            session, actor=actor, action="api_list", target_type="lead", target_id="*"
        )
    return web.json_response([view.as_dict() for view in views])


async def detail_view(request: web.Request) -> web.Response:
    """One lead by id; 404 with a JSON body when unknown or outside the token's sectors."""
    lead_id = parse_record_id(request.match_info["lead_id"])
    if lead_id is None:  # no row can have this id: do not ask the database
        return json_error(404, "lead not found")
    actor = f"api:{request[token_name_key]}"
    async with request.app[services_key].sessions.begin() as session:
        view = await get_lead(session, lead_id, sector_ids=request[api_client_key].sector_ids)
        await record_access(
            session, actor=actor, action="api_view", target_type="lead", target_id=str(lead_id)
        )
    return web.json_response(view.as_dict())


def add_routes(app: web.Application) -> None:
    """Mount on the API sub-application."""
    app.router.add_get("/leads", list_view)
    app.router.add_get("/leads/{lead_id}", detail_view)
