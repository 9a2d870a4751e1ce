"""The queue as a CSV file: the leads the page lists (my sectors only), for a spreadsheet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from aiohttp import web

from outreach_bot.core.leads.export import export_leads
from outreach_bot.domain.spreadsheet import csv_document
from outreach_bot.web.admin.labels import (
    CHANNEL_LABELS,
    INTENT_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
)
from outreach_bot.web.admin.page import language_label, local_time, national_phone
from outreach_bot.web.admin.queue import queue_filter
from outreach_bot.web.admin.security import current_account
from outreach_bot.web.keys import services_key

HEADER: Final = (
    "N°",
    "Arrivé le",
    "Statut",
    "Urgence",
    "Prénom",
    "Téléphone",
    "Âge",
    "Commune",
    "Secteur",
    "Campagne",
    "Canal",
    "Langue",
    "Sujet",
    "Demande",
    "Disponibilités",
    "Suivi par",
    "Prochaine action",
)
"""French headers: the file is opened by the team in French spreadsheets."""


async def download_leads_csv(request: web.Request) -> web.Response:
    """The leads of the queue's current filters and search, as a CSV download; audited."""
    filters, _ = queue_filter(request)
    export = await export_leads(
        request.app[services_key].sessions, current_account(request), filters
    )
    language = language_label(request.app[services_key].content)
    rows = []
    for view in export.leads:
        lead = view.lead
        rows.append(
            (
                lead.id,
                local_time(lead.created_at),
                STATUS_LABELS.get(lead.status, lead.status),
                URGENCY_LABELS.get(lead.urgency or "", "Urgence") if lead.urgent else "",
                lead.first_name,
                national_phone(lead.phone),
                lead.age,
                lead.commune_name,
                view.sector.name if view.sector else "",
                view.campaign.name if view.campaign else "",
                CHANNEL_LABELS.get(lead.channel, lead.channel),
                language(lead.language),
                INTENT_LABELS.get(lead.topic or "", lead.topic),
                lead.need,
                lead.availability,
                export.followers.get(lead.claimed_by or 0, ""),
                local_time(lead.next_action_on),
            )
        )
    today = datetime.now(UTC).date().isoformat()
    return web.Response(
        body=csv_document(HEADER, rows).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="contacts-{today}.csv"',
            "Cache-Control": "no-store",
        },
    )


def add_routes(app: web.Application) -> None:
    """Mount the export on the admin sub-app (``/admin/leads.csv``)."""
    app.router.add_get("/leads.csv", download_leads_csv, name="leads.csv")
