"""Admin-only pages on personal data: export (access right), erasure, and the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from outreach_bot.core.privacy.audit import names_in, recent_entries
from outreach_bot.core.privacy.rights import erase_person, export_person
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.storage.models import AuditEntry
from outreach_bot.web.admin.labels import AUDIT_ACTIONS, AUDIT_ACTORS, AUDIT_TARGETS
from outreach_bot.web.admin.lead import show_lead
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.queue import lead_id_of
from outreach_bot.web.admin.security import flash, require_admin
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

AUDIT_PAGE = 100


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit entry as the admin reads it: in French, people by name, targets as links."""

    at: datetime
    who: str
    action: str
    target: str
    link: str | None


def _line(entry: AuditEntry, names: dict[int, str]) -> AuditLine:
    if entry.user_id is not None and entry.user_id in names:
        who = names[entry.user_id]
    elif entry.actor.startswith("api:"):
        who = f"API · jeton « {entry.actor.removeprefix('api:')} »"
    else:
        who = AUDIT_ACTORS.get(entry.actor, entry.actor)
    kind, ref = entry.target_type, entry.target_id
    link = None
    if kind == "lead" and ref.isdigit():
        target, link = f"Contact n° {ref}", f"/admin/leads/{ref}"
    elif kind == "lead":
        target = "Contacts (tous ceux du jeton)" if ref == "*" else "Contacts"
    elif kind == "leads" and ref.isdigit():
        target = f"{ref} contact{'s' if ref != '1' else ''} (fichier CSV)"
    elif kind == "queue":
        target, link = "File des contacts", "/admin/"
    elif kind == "nlu_gap":
        target, link = "Messages non compris", "/admin/quality"
    elif kind == "conversation":
        target = f"Conversation n° {ref}"
    elif kind == "user":
        target = f"Compte de {names.get(int(ref), 'un compte supprimé')}" if ref.isdigit() else ""
        link = f"/admin/accounts/{ref}" if ref.isdigit() else None
    elif kind == "api_token":
        target, link = f"Jeton API n° {ref}", "/admin/tokens"
    elif kind == "contact_list" and ref.isdigit():
        target, link = f"Liste d'aller-vers n° {ref}", f"/admin/lists/{ref}"
    elif kind == "partner" and not ref.isdigit():
        target, link = "Annuaire des partenaires", "/admin/partners"
    else:
        name = AUDIT_TARGETS.get(kind, kind)
        target = f"{name} n° {ref}" if ref.isdigit() else name
    return AuditLine(entry.at, who, AUDIT_ACTIONS.get(entry.action, entry.action), target, link)


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
    if (await read_form(request)).get("confirm") != "yes":
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
    names = await names_in(request.app[services_key].sessions, entries)
    lines = [_line(entry, names) for entry in entries]
    return await render(request, "audit.html", {"lines": lines, "more": more, "lead": target})


def add_routes(app: web.Application) -> None:
    """Mount the admin-only routes."""
    app.router.add_get("/leads/{lead_id}/export.json", export, name="export")
    app.router.add_post("/leads/{lead_id}/erase", erase, name="erase")
    app.router.add_get("/audit", audit_log, name="audit")
