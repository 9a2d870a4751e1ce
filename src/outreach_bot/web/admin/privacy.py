"""Admin-only pages on personal data: export (access right), erasure, and the audit log."""

from __future__ import annotations

import json

from aiohttp import web

from outreach_bot.core.privacy.audit import recent_entries
from outreach_bot.core.privacy.rights import erase_person, export_person
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.web.admin.lead import show_lead
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.queue import lead_id_of
from outreach_bot.web.admin.security import flash, require_admin
from outreach_bot.web.keys import services_key

AUDIT_PAGE = 100


async def export(request: web.Request) -> web.Response:
    """Everything held about the young person behind this lead, as a JSON download."""
    account = require_admin(request)
    lead_id = lead_id_of(request)
    data = await export_person(request.app[services_key].sessions, account, lead_id)
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="personne-lead-{lead_id}.json"'},
    )


async def erase(request: web.Request) -> web.StreamResponse:
    """Erase the young person behind this lead, after an explicit confirmation box."""
    account = require_admin(request)
    lead_id = lead_id_of(request)
    if (await request.post()).get("confirm") != "yes":
        return await show_lead(
            request, lead_id, status=400, error="Coche la case de confirmation pour effacer."
        )
    await erase_person(request.app[services_key].sessions, account, lead_id)
    await flash(request, "Toutes les données de cette personne ont été effacées.")
    raise web.HTTPSeeOther("/admin/")


async def audit_log(request: web.Request) -> web.Response:
    """Who saw, changed, exported or erased personal data, newest first."""
    require_admin(request)
    before = parse_record_id(request.query.get("before", ""))
    target = request.query.get("lead", "")
    lead_id = parse_record_id(target)
    entries = await recent_entries(
        request.app[services_key].sessions,
        limit=AUDIT_PAGE,
        before_id=before,
        target_type="lead" if lead_id is not None else None,
        target_id=str(lead_id) if lead_id is not None else None,
    )
    more = entries[-1].id if len(entries) == AUDIT_PAGE else None
    return await render(request, "audit.html", {"entries": entries, "more": more, "lead": target})


def add_routes(app: web.Application) -> None:
    """Mount the admin-only routes."""
    app.router.add_get("/leads/{lead_id}/export.json", export, name="export")
    app.router.add_post("/leads/{lead_id}/erase", erase, name="erase")
    app.router.add_get("/audit", audit_log, name="audit")
