"""The queue of leads, and the live feed that keeps it (and lead pages) up to date."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Final
from urllib.parse import urlencode

from aiohttp import web

from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.leads.alerts import urgent_waiting
from outreach_bot.core.leads.queue import LeadFilter, lead_card, queue
from outreach_bot.domain.errors import NotFoundError
from outreach_bot.domain.leads import CLOSED_STATUSES
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.domain.roles import Role
from outreach_bot.domain.search import MAX_QUERY, MAX_WORDS, search_words
from outreach_bot.web.admin.page import fragment, render
from outreach_bot.web.admin.security import current_account
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

QUEUE_PAGE: Final = 200
"""Leads one queue page lists; the CSV export holds them all."""
HEARTBEAT: Final = 15.0
"""Seconds between keep-alive comments, so proxies do not close an idle feed."""
SHUTDOWN: Final = TeamEvent("shutdown")

streams_key: web.AppKey[set[asyncio.Queue[TeamEvent]]] = web.AppKey("admin_streams")


def lead_id_of(request: web.Request) -> int:
    """The ``{lead_id}`` of the URL; anything but a number is simply not found."""
    lead_id = parse_record_id(request.match_info["lead_id"])
    if lead_id is None:
        raise NotFoundError("contact introuvable")
    return lead_id


def queue_filter(request: web.Request) -> tuple[LeadFilter, dict[str, str]]:
    """The queue's filters from the query string, and the same as the form shows them.

    Shared by the queue and its CSV export, so the file holds the leads the page lists.
    """
    status = request.query.get("status", "open")
    sector = request.query.get("sector", "")
    campaign = request.query.get("campaign", "")
    order = "oldest" if request.query.get("order") == "oldest" else "newest"
    search = " ".join(request.query.get("q", "")[:MAX_QUERY].split())
    filters = LeadFilter(
        status=None if status == "all" else status,
        sector_code=sector or None,
        campaign_code=campaign or None,
        newest_first=order == "newest",
        limit=QUEUE_PAGE,
        search=search,
    )
    shown = {
        "status": status,
        "sector": sector,
        "campaign": campaign,
        "order": order,
        "q": search,
    }
    return filters, shown


async def queue_page(request: web.Request) -> web.Response:
    """Leads of my sectors and urgent ones, urgent first then newest (or oldest, on demand),
    with filters and counts per status."""
    account = current_account(request)
    if account.role is Role.FUNDER and "figures.page" in request.app.router.named_resources():
        raise web.HTTPSeeOther(request.app.router["figures.page"].url_for())
    if account.role is Role.REVIEWER:  # the Textes page is all a reviewer may see
        raise web.HTTPSeeOther(request.app.router["texts.list"].url_for())
    if not account.works_on_leads:
        if "campaigns.list" in request.app.router.named_resources():
            raise web.HTTPSeeOther(request.app.router["campaigns.list"].url_for())
        return await render(request, "no_access.html")
    filters, shown = queue_filter(request)
    page = await queue(request.app[services_key].sessions, account, filters)
    search = shown["q"]
    return await render(
        request,
        "queue.html",
        {
            "page": page,
            "filter": shown,
            # Whether the search box held a word to look for (not only "de" or an emoji).
            "searchable": bool(search_words(search, limit=MAX_WORDS)),
            # A search that fills the page may have found more: the export holds them all.
            "capped": len(page.leads) >= filters.limit,
            # The query string of this view, for the export link (same leads, one file),
            # and of the same view without the search.
            "export_query": urlencode({k: v for k, v in shown.items() if v}),
            "clear_query": urlencode({k: v for k, v in shown.items() if v and k != "q"}),
            # The live script adds new leads only where they belong in this view.
            "accepts_new": shown["status"] in {"open", "new", "all"}
            and not shown["campaign"]
            and not search,
            "total": sum(page.counts.values()),
            "open_total": sum(
                n for status, n in page.counts.items() if status not in CLOSED_STATUSES
            ),
        },
    )


async def card(request: web.Request) -> web.Response:
    """One queue row, for the live script (404 outside my sectors, like any lead URL)."""
    view, claimer, words = await lead_card(
        request.app[services_key].sessions, current_account(request), lead_id_of(request)
    )
    return await fragment(
        request, "_card.html", {"view": view, "claimer": claimer, "words": words}
    )


async def alerts(request: web.Request) -> web.Response:
    """The red banner of untaken urgent leads, for the live script on any page."""
    account = current_account(request)
    if not account.works_on_leads:
        raise web.HTTPForbidden()
    waiting = await urgent_waiting(request.app[services_key].sessions, account)
    return await fragment(request, "_alerts.html", {"alerts": waiting})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: new, urgent and changed leads, and messages, of my sectors only.

    Events carry ids and a kind, never names or texts: the page fetches what it shows
    through the same sector-checked routes as everything else.
    """
    account = current_account(request)
    if not account.works_on_leads:
        raise web.HTTPForbidden()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx must not buffer the stream
        }
    )
    # Subscribe before the headers go out: once the page sees the feed open, nothing is missed.
    bus = request.app[services_key].events
    stream = bus.stream()
    streams = request.app[streams_key]
    streams.add(stream)
    try:
        await response.prepare(request)
        await response.write(b"retry: 5000\n\n")
        while True:
            try:
                event = await asyncio.wait_for(stream.get(), HEARTBEAT)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is SHUTDOWN:
                break
            if not account.can_see(event.sector_id, urgent=event.urgent):
                continue
            data = {
                "kind": event.kind,
                "lead_id": event.lead_id,
                "conversation_id": event.conversation_id,
                "urgent": event.urgent,
            }
            await response.write(f"event: {event.kind}\ndata: {json.dumps(data)}\n\n".encode())
    except ConnectionResetError:
        logger.debug("a live feed was closed by the browser")
    finally:
        streams.discard(stream)
        bus.close_stream(stream)
    if response.prepared:
        with contextlib.suppress(ConnectionResetError):
            await response.write_eof()
    return response


async def _close_streams(app: web.Application) -> None:
    """End open feeds at shutdown, so the server does not wait for browsers to hang up."""
    streams: set[asyncio.Queue[TeamEvent]] = app[streams_key]
    for stream in list(streams):
        with contextlib.suppress(asyncio.QueueFull):
            stream.put_nowait(SHUTDOWN)


def add_routes(app: web.Application) -> None:
    """Mount the queue and the live feed on the admin sub-app."""
    app[streams_key] = set()
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/", queue_page, name="queue")
    app.router.add_get("/events", events, name="events")
    app.router.add_get("/alerts", alerts, name="alerts")
    app.router.add_get("/leads/{lead_id}/card", card, name="card")
