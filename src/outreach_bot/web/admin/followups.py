"""The lead page's "Rendez-vous et messages programmés" section and its actions.

Handlers parse the form and call one use case (:mod:`outreach_bot.core.followups`); a refused
action re-renders the lead page with the reason and what was typed, like the rest of the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from outreach_bot.core.followups.appointments import AppointmentForm, parse_time
from outreach_bot.core.followups.later import cancel_scheduled, send_later
from outreach_bot.domain.campaigns import parse_held_on
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.web.admin import lead as lead_page
from outreach_bot.web.admin.queue import lead_id_of
from outreach_bot.web.admin.security import current_account, flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

ABSENT_NOTED: Final = (
    "Noté : absent. Un message bienveillant part le prochain matin pour proposer un autre moment."
)


def _record_id(request: web.Request, name: str) -> int:
    number = parse_record_id(request.match_info[name])
    if number is None:
        raise web.HTTPNotFound
    return number


async def _done(request: web.Request, lead_id: int, message: str) -> web.StreamResponse:
    await flash(request, message)
    url = request.app.router["lead"].url_for(lead_id=str(lead_id))
    raise web.HTTPSeeOther(f"{url}#followups")


async def set_appointment(request: web.Request) -> web.StreamResponse:
    """Fix an appointment; the young person is told on their channel, then reminded (the
    notice says when, or that nothing will reach them and why)."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    fields = AppointmentForm(
        day=str(form.get("day", "")),
        time=str(form.get("time", "")),
        place_id=str(form.get("place_id", "")),
        place=str(form.get("place", "")),
        with_whom=str(form.get("with_whom", "")),
    )
    try:
        result = await services.appointments.set_appointment(
            current_account(request), lead_id, fields, form_key=str(form.get("form_key", ""))
        )
    except ConflictError as failure:
        return await lead_page.show_lead(request, lead_id, status=409, error=str(failure))
    except (InvalidInputError, NotFoundError) as failure:
        error = str(failure) if isinstance(failure, InvalidInputError) else "Lieu introuvable."
        return await lead_page.show_lead(request, lead_id, status=400, error=error)
    return await _done(request, lead_id, result.notice)


async def appointment_outcome(request: web.Request) -> web.StreamResponse:
    """Mark an appointment "venu" or "absent"."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    appointment_id = _record_id(request, "appointment_id")
    came = str((await read_form(request)).get("came", "")) == "yes"
    try:
        await services.appointments.record_outcome(
            current_account(request), lead_id, appointment_id, came=came
        )
    except ConflictError as failure:
        return await lead_page.show_lead(request, lead_id, status=409, error=str(failure))
    message = "Noté : venu." if came else ABSENT_NOTED
    return await _done(request, lead_id, message)


def _moment(day_text: str, time_text: str, zone: ZoneInfo) -> datetime:
    """A day and a time typed in a form, in the rules' time zone.

    Raises:
        InvalidInputError: a missing or malformed day or time.
    """
    day = parse_held_on(day_text)
    if day is None:
        raise InvalidInputError("Donne le jour d'envoi.")
    return datetime.combine(day, parse_time(time_text), tzinfo=zone)


async def later(request: web.Request) -> web.StreamResponse:
    """Write now, send at the chosen day and time (within the sending rules)."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    form = await read_form(request)
    text = str(form.get("text", ""))
    try:
        at = _moment(str(form.get("day", "")), str(form.get("time", "")), services.rules.zone)
        await send_later(
            services.sessions,
            current_account(request),
            lead_id,
            text,
            at=at,
            form_key=str(form.get("form_key", "")),
        )
    except ConflictError as failure:
        return await lead_page.show_lead(
            request, lead_id, status=409, error=str(failure), later=text
        )
    except InvalidInputError as failure:
        return await lead_page.show_lead(
            request, lead_id, status=400, error=str(failure), later=text
        )
    return await _done(request, lead_id, "Message programmé.")


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel one waiting message (a reminder, a programmed message)."""
    services = request.app[services_key]
    lead_id = lead_id_of(request)
    try:
        await cancel_scheduled(
            services.sessions,
            current_account(request),
            lead_id,
            _record_id(request, "scheduled_id"),
        )
    except NotFoundError:
        return await lead_page.show_lead(
            request, lead_id, status=409, error="Ce message est déjà parti ou annulé."
        )
    return await _done(request, lead_id, "Message annulé.")


def setup(admin: web.Application) -> None:
    """Add the section's actions to the back office (after the lead page's own routes)."""
    router = admin.router
    router.add_post("/leads/{lead_id}/appointments", set_appointment, name="appointments.set")
    router.add_post(
        "/leads/{lead_id}/appointments/{appointment_id}/outcome",
        appointment_outcome,
        name="appointments.outcome",
    )
    router.add_post("/leads/{lead_id}/later", later, name="followups.later")
    router.add_post(
        "/leads/{lead_id}/scheduled/{scheduled_id}/cancel", cancel, name="followups.cancel"
    )
