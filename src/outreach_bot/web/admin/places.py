"""Back-office pages for the places and dates where young people can meet the team.

Staff keep the Mission Locale's offices (address, phone number, opening hours per weekday,
walk-in or not) and the itinerant team's permanences and events (date, place, commune) here,
and the bot answers "vous êtes où cette semaine ?", "votre numéro ?", "c'est ouvert le
samedi ?" or "sans rendez-vous ?" from them. Same roles as the campaigns: the people who go
out and meet young people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web

from outreach_bot.core.outreach.places import (
    PlaceForm,
    PlaceInputError,
    add_place,
    delete_place,
    get_place,
    list_places,
    update_place,
)
from outreach_bot.domain.errors import NotFoundError
from outreach_bot.domain.numbers import parse_record_id
from outreach_bot.domain.places import HORIZON_DAYS, WEEKDAYS, PlaceKind, team_today
from outreach_bot.web.admin.campaigns import CAMPAIGN_ROLES, NO_ACCESS, require_role
from outreach_bot.web.admin.page import render
from outreach_bot.web.admin.security import flash
from outreach_bot.web.errors import read_form
from outreach_bot.web.keys import services_key

KIND_LABELS: Final = {
    PlaceKind.OFFICE: "Bureau (adresse et horaires)",
    PlaceKind.PERMANENCE: "Permanence (date)",
    PlaceKind.EVENT: "Événement (date)",
}
DAY_LABELS: Final = dict(
    zip(
        WEEKDAYS,
        ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"),
        strict=True,
    )
)
WALK_IN_LABELS: Final = {
    "": "Non précisé (le bot dit d'appeler avant)",
    "yes": "Oui, on peut venir sans rendez-vous",
    "no": "Non, sur rendez-vous seulement",
}
KIND_SHORT: Final = {
    PlaceKind.OFFICE: "Bureau",
    PlaceKind.PERMANENCE: "Permanence",
    PlaceKind.EVENT: "Événement",
}


def _form(data: Mapping[str, object]) -> PlaceForm:
    def text(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    return PlaceForm(
        kind=text("kind"),
        name=text("name"),
        commune=text("commune"),
        address=text("address"),
        held_on=text("held_on"),
        hours=text("hours"),
        phone=text("phone"),
        walk_in=text("walk_in"),
        weekly={day: text(f"hours_{day}") for day in WEEKDAYS if text(f"hours_{day}").strip()},
        repeat=text("repeat"),
        repeat_start=text("repeat_start"),
        repeat_end=text("repeat_end"),
        repeat_until=text("repeat_until"),
    )


def _place_id(request: web.Request) -> int:
    raw = request.match_info["place_id"]
    place_id = parse_record_id(raw)
    if place_id is None:  # no row can have it: not found without asking the database
        raise NotFoundError(f"place {raw[:20]}")
    return place_id


def _list_url(request: web.Request) -> str:
    return str(request.app.router["places.list"].url_for())


async def _list(
    request: web.Request, form: PlaceForm | None, errors: dict[str, str]
) -> web.Response:
    today = team_today()
    return await render(
        request,
        "places/list.html",
        {
            "places": await list_places(request.app[services_key].sessions, today=today),
            "form": form or PlaceForm(kind=PlaceKind.PERMANENCE.value, name="", commune=""),
            "errors": errors,
            "kinds": KIND_LABELS,
            "kind_short": KIND_SHORT,
            "horizon_days": HORIZON_DAYS,
            "days": DAY_LABELS,
            "walk_in_labels": WALK_IN_LABELS,
        },
        status=400 if errors else 200,
    )


async def list_page(request: web.Request) -> web.Response:
    """Every place, offices first then dates, with the form to add one."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    return await _list(request, None, {})


async def create(request: web.Request) -> web.Response:
    """Add a place; on a mistake, the form comes back with what was typed and why."""
    account = require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    form = _form(await read_form(request))
    try:
        await add_place(request.app[services_key].sessions, form, by=account.id)
    except PlaceInputError as error:
        return await _list(request, form, {error.field: str(error)})
    await flash(request, "Lieu ajouté : le bot le donne dès maintenant.")
    raise web.HTTPSeeOther(_list_url(request))


async def edit_page(request: web.Request) -> web.Response:
    """One place in its form, to correct or delete it."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    place_id = _place_id(request)
    form = await get_place(request.app[services_key].sessions, place_id)
    return await _edit(request, place_id, form, {})


async def _edit(
    request: web.Request, place_id: int, form: PlaceForm, errors: dict[str, str]
) -> web.Response:
    return await render(
        request,
        "places/edit.html",
        {
            "place_id": place_id,
            "form": form,
            "errors": errors,
            "kinds": KIND_LABELS,
            "days": DAY_LABELS,
            "walk_in_labels": WALK_IN_LABELS,
        },
        status=400 if errors else 200,
    )


async def update(request: web.Request) -> web.Response:
    """Save a corrected place."""
    account = require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    place_id = _place_id(request)
    form = _form(await read_form(request))
    try:
        await update_place(request.app[services_key].sessions, place_id, form, by=account.id)
    except PlaceInputError as error:
        return await _edit(request, place_id, form, {error.field: str(error)})
    await flash(request, "Modifications enregistrées.")
    raise web.HTTPSeeOther(_list_url(request))


async def delete(request: web.Request) -> web.Response:
    """Delete a place: the bot stops giving it at once."""
    require_role(request, CAMPAIGN_ROLES, NO_ACCESS)
    await delete_place(request.app[services_key].sessions, _place_id(request))
    await flash(request, "Lieu supprimé.")
    raise web.HTTPSeeOther(_list_url(request))


def setup(admin: web.Application) -> None:
    """Add the places pages (``/admin/places``) to the back office."""
    router = admin.router
    router.add_get("/places", list_page, name="places.list")
    router.add_post("/places", create)
    router.add_get("/places/{place_id}", edit_page, name="places.edit")
    router.add_post("/places/{place_id}", update)
    router.add_post("/places/{place_id}/delete", delete, name="places.delete")
