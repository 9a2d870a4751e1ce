"""The lead page and what a counsellor does there: claim, follow up, write, hand back.

Handlers parse the form and call one use case in :mod:`outreach_bot.core.leads.queue`;
sector checks and every rule live there. A refused action re-renders the page with the
reason and whatever was typed (409 for a collision or a double submit, 400 for bad input),
so nothing is lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiohttp import web

from outreach_bot.config import Settings
from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.delivery.whatsapp import (
    CHANNEL as WHATSAPP,
)
from outreach_bot.core.delivery.whatsapp import (
    COUNSELLOR,
    counsellor_blocked,
    template_for,
    templates_of,
    window_open,
)
from outreach_bot.core.leads import queue as leads
from outreach_bot.core.leads.false_alarms import mark_false_alarm
from outreach_bot.core.leads.media import open_media
from outreach_bot.domain.dates import parse_iso_day
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.leads import (
    CLOSED_STATUSES,
    MOBILISING_OUTCOMES,
    LeadStatus,
    Outcome,
    can_move,
)
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.storage.models import Conversation
from outreach_bot.web.admin import referrals
from outreach_bot.web.admin.followups_view import followups_context
from outreach_bot.web.admin.page import fragment, local_time, render
from outreach_bot.web.admin.queue import lead_id_of
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.admin.segment import count_segments
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

HELD_AFTER: Final = timedelta(minutes=1)
"""A message that leaves later than this is announced as held by the quiet hours."""


def _url(request: web.Request, lead_id: int) -> str:
    return str(request.app.router["lead"].url_for(lead_id=str(lead_id)))


async def show_lead(
    request: web.Request,
    lead_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
    note: str = "",
    later: str = "",
    outcome: str = "",
) -> web.Response:
    """Render the lead page, optionally with an error and the text the counsellor typed."""
    services = request.app[services_key]
    detail = await leads.lead_detail(services.sessions, current_account(request), lead_id)
    current = LeadStatus(detail.view.lead.status)
    # Endings are chosen by their outcome, in the closing form.
    moves = [
        target
        for target in LeadStatus
        if can_move(current, target) and target not in CLOSED_STATUSES
    ]
    segments = count_segments(draft) if draft else None
    context: dict[str, Any] = {
        "detail": detail,
        "lead": detail.view.lead,
        "moves": moves,
        "closed": current in CLOSED_STATUSES,
        "outcomes": [(outcome, outcome in MOBILISING_OUTCOMES) for outcome in Outcome],
        "outcome": outcome,
        "error": error,
        "draft": draft,
        "note": note,
        "segments": segments,
        "form_key": secrets.token_urlsafe(16),
        "export_allowed": current_account(request).is_admin,
        **await referrals.lead_section(request, detail.view),
        "later": later,
        **await followups_context(request, lead_id),
        "whatsapp_window": _whatsapp_window(services.settings, detail.conversation),
    }
    return await render(request, "lead.html", context, status=status)


def _whatsapp_window(settings: Settings, conversation: Conversation | None) -> str:
    """What the counsellor should know before writing on WhatsApp: the 24-hour window."""
    if conversation is None or conversation.channel != WHATSAPP:
        return ""
    now = datetime.now(UTC)
    if window_open(conversation.last_message_at, now):
        return ""
    templates = templates_of(settings)
    blocked = counsellor_blocked(conversation, templates, now)
    if blocked is not None:
        return blocked
    template = template_for(templates, COUNSELLOR)
    name = template.name if template else ""
    return (
        "Son dernier message date de plus de 24 h : ton message partira dans le modèle "
        f"approuvé « {name} » (WhatsApp n'accepte que lui), sur une seule ligne."
    )


async def lead_page(request: web.Request) -> web.Response:
    """``GET /admin/leads/{id}``: 404 for an id outside my sectors, as for a missing one."""
    return await show_lead(request, lead_id_of(request))


async def messages(request: web.Request) -> web.Response:
    """Transcript lines after ``?after=ID``, for the live lead page."""
    after = parse_record_id(request.query.get("after", "0")) or 0
    lead_id = lead_id_of(request)
    rows, labels, media = await leads.messages_after(
        request.app[services_key].sessions, current_account(request), lead_id, after
    )
    return await fragment(
        request,
        "_messages.html",
        {"messages": rows, "labels": labels, "lead_id": lead_id, "media_by_message": media},
    )


MEDIA_NAMES: Final = {
    "audio/ogg": "vocal.ogg",
    "audio/mpeg": "vocal.mp3",
    "audio/mp4": "vocal.m4a",
    "audio/x-m4a": "vocal.m4a",
    "audio/aac": "vocal.aac",
    "audio/amr": "vocal.amr",
    "audio/x-wav": "vocal.wav",
    "image/jpeg": "photo.jpg",
    "image/png": "photo.png",
    "image/webp": "photo.webp",
    "image/heic": "photo.heic",
    "application/pdf": "document.pdf",
}
"""The name a downloaded file gets: never the sender's own, which could say anything."""


async def media_file(request: web.Request) -> web.Response:
    """``GET /admin/leads/{id}/media/{media_id}``: a file the young person sent, for staff who
    may see the lead; 404 otherwise (as for a missing one). Never cached; audio and images
    open in the page (``<audio>``, ``<img>``), anything else downloads, and a sandbox policy
    keeps a file opened on its own from running anything on our origin."""
    media_id = parse_record_id(request.match_info["media_id"])
    if media_id is None:
        raise NotFoundError("fichier introuvable")
    summary, data = await open_media(
        request.app[services_key].sessions,
        current_account(request),
        lead_id_of(request),
        media_id,
    )
    name = MEDIA_NAMES.get(summary.content_type, "fichier")
    disposition = "inline" if summary.is_audio or summary.is_image else "attachment"
    return web.Response(
        body=data,
        content_type=summary.content_type,
        headers={
            "Cache-Control": "no-store, private",
            "Pragma": "no-cache",
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _act(
    request: web.Request,
    lead_id: int,
    action: Callable[[], Awaitable[Any]],
    success: str,
    **keep: str,
) -> web.StreamResponse:
    try:
        await action()
    except ConflictError as failure:
        return await show_lead(request, lead_id, status=409, error=str(failure), **keep)
    except InvalidInputError as failure:
        return await show_lead(request, lead_id, status=400, error=str(failure), **keep)
    await flash(request, success)
    raise web.HTTPSeeOther(_url(request, lead_id))


async def claim(request: web.Request) -> web.StreamResponse:
    """Take a new lead; the loser of a race (or a double click) is told who has it."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    return await _act(
        request,
        lead_id,
        lambda: leads.claim_lead(
            services.sessions, current_account(request), lead_id, events=services.events
        ),
        "Contact pris en charge.",
    )


async def change_status(request: web.Request) -> web.StreamResponse:
    """Move the lead along its follow-up."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    status = str((await read_form(request)).get("status", ""))
    return await _act(
        request,
        lead_id,
        lambda: leads.change_status(
            services.sessions, current_account(request), lead_id, status, events=services.events
        ),
        "Statut mis à jour.",
    )


async def close(request: web.Request) -> web.StreamResponse:
    """End the follow-up with its outcome; without one, the page asks again (400)."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    outcome = str((await read_form(request)).get("outcome", ""))
    return await _act(
        request,
        lead_id,
        lambda: leads.close_lead(
            services.sessions, current_account(request), lead_id, outcome, events=services.events
        ),
        "Suivi clos.",
        outcome=outcome,
    )


async def add_note(request: web.Request) -> web.StreamResponse:
    """Add a note to the history (once, even if the form is sent twice)."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    note = str(form.get("note", ""))
    return await _act(
        request,
        lead_id,
        lambda: leads.add_note(
            services.sessions,
            current_account(request),
            lead_id,
            note,
            form_key=str(form.get("form_key", "")),
        ),
        "Note enregistrée.",
        note=note,
    )


async def next_action(request: web.Request) -> web.StreamResponse:
    """Set or clear the next action date."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    raw = str((await read_form(request)).get("on", "")).strip()
    try:
        on = parse_iso_day(raw)
    except InvalidInputError:
        return await show_lead(request, lead_id, status=400, error="date invalide")
    return await _act(
        request,
        lead_id,
        lambda: leads.set_next_action(services.sessions, current_account(request), lead_id, on),
        "Prochaine action enregistrée.",
    )


def _optional_id(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    number = parse_record_id(text)
    if number is None:
        raise InvalidInputError("choix invalide")
    return number


async def reassign(request: web.Request) -> web.StreamResponse:
    """Hand the lead to a colleague and/or another sector."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    try:
        to_user = _optional_id(form.get("user"))
        to_sector = _optional_id(form.get("sector"))
    except InvalidInputError as failure:
        return await show_lead(request, lead_id, status=400, error=str(failure))
    return await _act(
        request,
        lead_id,
        lambda: leads.reassign(
            services.sessions,
            current_account(request),
            lead_id,
            to_user_id=to_user,
            to_sector_id=to_sector,
            events=services.events,
        ),
        "Contact réattribué.",
    )


async def reply(request: web.Request) -> web.StreamResponse:
    """Preview (segment count) or send a message through the young person's channel."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    text = str(form.get("text", ""))
    if form.get("action") == "preview":
        return await show_lead(request, lead_id, draft=text)

    async def send() -> leads.SentReply:
        return await leads.send_counsellor_reply(
            services.sessions,
            current_account(request),
            lead_id,
            text,
            form_key=str(form.get("form_key", "")),
            takeover_hours=services.settings.takeover_timeout_hours,
            queued_channels=QUEUED_CHANNELS,
            policies=services.send_policies,
            events=services.events,
            on_queued=services.dispatcher.wakeup.set,
            whatsapp_templates=templates_of(services.settings),
        )

    try:
        sent = await send()
    except ConflictError as failure:
        if "déjà parti" in str(failure):
            # A double submit: the first one went out, nothing to keep.
            await flash(request, str(failure), level="warning")
            raise web.HTTPSeeOther(_url(request, lead_id)) from failure
        return await show_lead(request, lead_id, status=409, error=str(failure), draft=text)
    except InvalidInputError as failure:
        return await show_lead(request, lead_id, status=400, error=str(failure), draft=text)
    await flash(request, _sent_notice(sent))
    # Back to the conversation at the new message (the reply box is below it), where the young
    # person's answer arrives live; without JavaScript the anchor scrolls the transcript too.
    raise web.HTTPSeeOther(_url(request, lead_id) + f"#m-{sent.message_id}")


def _sent_notice(sent: leads.SentReply) -> str:
    """What the counsellor is told: sent, or held by the quiet hours until when."""
    if sent.not_before is not None and sent.not_before > datetime.now(UTC) + HELD_AFTER:
        return (
            f"Message enregistré : il partira le {local_time(sent.not_before, '%d/%m à %H:%M')} "
            "(heures calmes). "
            "Le bot se tait dans cette conversation."
        )
    return "Message envoyé. Le bot se tait dans cette conversation."


async def hand_back(request: web.Request) -> web.StreamResponse:
    """Let the bot answer this young person again."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    return await _act(
        request,
        lead_id,
        lambda: leads.hand_back(
            services.sessions,
            current_account(request),
            lead_id,
            events=services.events,
            on_scheduled=services.scheduler.wakeup.set,
        ),
        "Conversation rendue au bot : la personne reçoit un message qui le lui dit.",
    )


async def false_alarm(request: web.Request) -> web.StreamResponse:
    """Say an urgent lead was not one: it leaves the alerts and the "urgences" figure."""
    lead_id = lead_id_of(request)
    try:
        still_visible = await mark_false_alarm(
            request.app[services_key].sessions, current_account(request), lead_id
        )
    except ConflictError as failure:
        return await show_lead(request, lead_id, status=409, error=str(failure))
    await flash(request, "Fausse alerte notée : ce contact ne compte plus dans les urgences.")
    # Out of the counsellor's sectors, an ordinary lead is no longer theirs to open.
    raise web.HTTPSeeOther(_url(request, lead_id) if still_visible else "/admin/")


def add_routes(app: web.Application) -> None:
    """Mount the lead page and its actions on the admin sub-app."""
    app.router.add_get("/leads/{lead_id}", lead_page, name="lead")
    app.router.add_get("/leads/{lead_id}/messages", messages, name="messages")
    app.router.add_get("/leads/{lead_id}/media/{media_id}", media_file, name="media")
    for path, handler in (
        ("claim", claim),
        ("status", change_status),
        ("close", close),
        ("note", add_note),
        ("next-action", next_action),
        ("reassign", reassign),
        ("reply", reply),
        ("hand-back", hand_back),
        ("false-alarm", false_alarm),
    ):
        app.router.add_post(f"/leads/{{lead_id}}/{path}", handler, name=path)
