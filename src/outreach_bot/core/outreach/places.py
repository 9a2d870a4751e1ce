"""The places and dates where young people can meet the team, kept in the back office.

Staff add, edit and delete offices (address, opening hours) and the itinerant team's
permanences and events (date, place, commune); the bot answers "vous êtes où cette semaine ?"
or "il y a une permanence à Stenay ?" from them, nearest first. None of this is personal data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.followups.alerts import alert_nearby
from outreach_bot.domain.campaigns import parse_held_on
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.domain.fields import commune_by_insee, find_commune_in, match_commune
from outreach_bot.domain.places import Place, PlaceKind, PlacesAnswer, choose_places
from outreach_bot.storage.models import LocalPlace

logger = logging.getLogger(__name__)

NAME_MAX: Final = 200
ADDRESS_MAX: Final = 300
HOURS_MAX: Final = 100


class PlaceInputError(InvalidInputError):
    """A place's form is wrong; ``field`` says which field, the message what to do (French)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class PlaceForm:
    """A place as typed by staff, before checking: the commune and the date are still text."""

    kind: str
    name: str
    commune: str
    address: str = ""
    held_on: str = ""
    hours: str = ""


@dataclass(frozen=True, slots=True)
class PlaceView:
    """A place as the back office lists it."""

    id: int
    kind: PlaceKind
    name: str
    address: str
    commune_name: str
    held_on: date | None
    hours: str
    past: bool


def _clean(text: str) -> str:
    return " ".join(text.split())


def _checked(form: PlaceForm) -> LocalPlace:
    """A new row from the form, every rule checked, the commune read from the official list.

    Raises:
        PlaceInputError: the first field that is wrong, with what to write instead.
    """
    try:
        kind = PlaceKind(form.kind)
    except ValueError as error:
        raise PlaceInputError(
            "kind", "Choisis le type : bureau, permanence ou événement."
        ) from error
    name = _clean(form.name)
    if not name or len(name) > NAME_MAX:
        raise PlaceInputError("name", f"Donne un nom (au plus {NAME_MAX} caractères).")
    address = _clean(form.address)
    if len(address) > ADDRESS_MAX:
        raise PlaceInputError("address", f"L'adresse fait au plus {ADDRESS_MAX} caractères.")
    hours = _clean(form.hours)
    if len(hours) > HOURS_MAX:
        raise PlaceInputError("hours", f"Les horaires font au plus {HOURS_MAX} caractères.")
    match = match_commune(form.commune)
    if match.commune is None:
        hint = ", ".join(f"{c.name} ({c.department})" for c in match.suggestions[:3])
        raise PlaceInputError(
            "commune",
            f"Commune introuvable ou ambiguë : tu veux dire {hint} ?"
            if hint
            else "Commune introuvable : écris son nom ou son code postal (55700).",
        )
    try:
        held_on = parse_held_on(form.held_on)
    except InvalidInputError as error:
        raise PlaceInputError("held_on", "Date invalide : écris-la comme 12/05/2026.") from error
    if kind is PlaceKind.OFFICE:
        if not hours:
            raise PlaceInputError("hours", "Donne les horaires d'ouverture du bureau.")
        held_on = None
    elif held_on is None:
        raise PlaceInputError("held_on", "Une permanence ou un événement a une date.")
    return LocalPlace(
        kind=kind.value,
        name=name,
        address=address,
        commune_insee=match.commune.insee,
        commune_name=match.commune.name,
        held_on=held_on,
        hours=hours,
    )


def _commune_text(insee: str, name: str) -> str:
    commune = commune_by_insee(insee)
    return f"{commune.postal_codes[0]} {name}" if commune and commune.postal_codes else name


def _view(row: LocalPlace, today: date) -> PlaceView:
    return PlaceView(
        id=row.id,
        kind=PlaceKind(row.kind),
        name=row.name,
        address=row.address,
        commune_name=row.commune_name,
        held_on=row.held_on,
        hours=row.hours,
        past=row.held_on is not None and row.held_on < today,
    )


async def list_places(
    sessions: async_sessionmaker[AsyncSession], *, today: date
) -> list[PlaceView]:
    """Offices first, then dated places soonest first; past dates last, to be tidied up."""
    async with sessions() as session:
        rows = (await session.scalars(select(LocalPlace))).all()
    views = [_view(row, today) for row in rows]
    return sorted(
        views,
        key=lambda v: (v.past, v.held_on is not None, v.held_on or date.min, v.commune_name),
    )


async def get_place(sessions: async_sessionmaker[AsyncSession], place_id: int) -> PlaceForm:
    """The place as its edit form shows it.

    Raises:
        NotFoundError: no such place.
    """
    async with sessions() as session:
        row = await session.get(LocalPlace, place_id)
    if row is None:
        raise NotFoundError(f"place {place_id}")
    return PlaceForm(
        kind=row.kind,
        name=row.name,
        # Name and postal code: a homonym elsewhere in France cannot be picked by mistake.
        commune=_commune_text(row.commune_insee, row.commune_name),
        address=row.address,
        held_on=row.held_on.isoformat() if row.held_on else "",
        hours=row.hours,
    )


async def add_place(
    sessions: async_sessionmaker[AsyncSession], form: PlaceForm, *, by: int | None
) -> int:
    """Add a place; returns its id.

    Raises:
        PlaceInputError: a field is wrong.
    """
    row = _checked(form)
    row.updated_by = by
    row.updated_at = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(row)
        await session.flush()
        place_id = row.id
        # People who asked to hear of the team's visits near them get one message.
        await alert_nearby(session, row, now=row.updated_at)
    logger.info("place %s added by user %s", place_id, by)
    return place_id


async def update_place(
    sessions: async_sessionmaker[AsyncSession],
    place_id: int,
    form: PlaceForm,
    *,
    by: int | None,
) -> None:
    """Replace what a place says.

    Raises:
        NotFoundError: no such place.
        PlaceInputError: a field is wrong.
    """
    checked = _checked(form)
    async with sessions.begin() as session:
        row = await session.get(LocalPlace, place_id)
        if row is None:
            raise NotFoundError(f"place {place_id}")
        for column in ("kind", "name", "address", "commune_insee", "commune_name"):
            setattr(row, column, getattr(checked, column))
        moved = (row.held_on, row.commune_insee) != (checked.held_on, checked.commune_insee)
        row.held_on, row.hours = checked.held_on, checked.hours
        row.updated_by, row.updated_at = by, datetime.now(UTC)
        if moved:  # a new date or commune is news for those nearby (at most one a week)
            await alert_nearby(session, row, now=row.updated_at)
    logger.info("place %s updated by user %s", place_id, by)


async def delete_place(sessions: async_sessionmaker[AsyncSession], place_id: int) -> None:
    """Delete a place (nothing refers to it).

    Raises:
        NotFoundError: no such place.
    """
    async with sessions.begin() as session:
        row = await session.get(LocalPlace, place_id)
        if row is None:
            raise NotFoundError(f"place {place_id}")
        await session.delete(row)
    logger.info("place %s deleted", place_id)


async def places_for_question(session: AsyncSession, text: str, *, today: date) -> PlacesAnswer:
    """What to tell a young person who asks where the team is, nearest to the commune they
    name first (inside the conversation's unit of work)."""
    rows = (
        await session.scalars(
            select(LocalPlace).where(
                (LocalPlace.held_on.is_(None)) | (LocalPlace.held_on >= today)
            )
        )
    ).all()
    places = [
        Place(
            kind=PlaceKind(row.kind),
            name=row.name,
            address=row.address,
            commune_insee=row.commune_insee,
            commune_name=row.commune_name,
            held_on=row.held_on,
            hours=row.hours,
        )
        for row in rows
    ]
    return choose_places(places, today=today, near=find_commune_in(text))
