"""The places and dates where young people can meet the team, kept in the back office.

Staff add, edit and delete offices (address, opening hours per weekday, phone number, walk-in
or not) and the itinerant team's permanences and events (date, place, commune); the bot answers
"vous êtes où cette semaine ?", "il y a une permanence à Stenay ?", "votre numéro ?", "c'est
ouvert le samedi ?" or "sans rendez-vous ?" from them, nearest first. None of this is personal
data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.followups.alerts import alert_nearby
from outreach_bot.domain.campaigns import parse_held_on
from outreach_bot.domain.errors import InvalidInputError, NotFoundError
from outreach_bot.domain.fields import (
    commune_by_insee,
    find_commune_in,
    match_commune,
    national_format,
    parse_phone,
)
from outreach_bot.domain.places import (
    WEEKDAYS,
    Place,
    PlaceKind,
    PlacesAnswer,
    choose_places,
    read_practical,
)
from outreach_bot.storage.models import LocalPlace

logger = logging.getLogger(__name__)

NAME_MAX: Final = 200
ADDRESS_MAX: Final = 300
HOURS_MAX: Final = 100
DAY_HOURS_MAX: Final = 60
WALK_IN_CHOICES: Final = {"yes": True, "no": False, "": None}
"""The form's walk-in answer: "oui", "non", or not said (the bot then says to call first)."""


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
    phone: str = ""
    walk_in: str = ""
    weekly: Mapping[str, str] = field(default_factory=dict)
    """Weekday key of :data:`~outreach_bot.domain.places.WEEKDAYS` → that day's hours."""


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
    phone: str = ""
    walk_in: bool | None = None
    weekly: Mapping[str, str] = field(default_factory=dict)


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
    phone = ""
    if form.phone.strip():
        e164 = parse_phone(form.phone) or _landline(form.phone)
        if e164 is None:
            raise PlaceInputError("phone", "Numéro invalide : écris-le comme 03 29 00 00 00.")
        phone = national_format(e164)
    if form.walk_in not in WALK_IN_CHOICES:
        raise PlaceInputError("walk_in", "Sans rendez-vous : choisis oui, non ou non précisé.")
    unknown = set(form.weekly) - set(WEEKDAYS)
    if unknown:
        raise PlaceInputError("weekly", f"Jour inconnu : {sorted(unknown)[0]}.")
    weekly = {day: _clean(form.weekly.get(day, "")) for day in WEEKDAYS}
    weekly = {day: hours for day, hours in weekly.items() if hours and hours.casefold() != "fermé"}
    for day, day_hours in weekly.items():
        if len(day_hours) > DAY_HOURS_MAX:
            raise PlaceInputError(
                f"hours_{day}", f"Les horaires d'un jour font au plus {DAY_HOURS_MAX} caractères."
            )
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
        if not hours and not weekly:
            raise PlaceInputError(
                "hours", "Donne les horaires d'ouverture du bureau (au moins un jour)."
            )
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
        phone=phone,
        walk_in=WALK_IN_CHOICES[form.walk_in],
        weekly_hours=weekly or None,
    )


def _landline(text: str) -> str | None:
    """A French fixed-line number in E.164, which :func:`parse_phone` leaves out on purpose
    (it reads a young person's own number): offices have landlines."""
    digits = "".join(char for char in text if char.isdigit())
    if digits.startswith("33") and len(digits) == 11:  # noqa: PLR2004 - +33 and 9 digits
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits[0] == "0" and digits[1] in "123459":  # noqa: PLR2004
        return "+33" + digits[1:]
    return None


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
        phone=row.phone,
        walk_in=row.walk_in,
        weekly=row.weekly_hours or {},
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
        phone=row.phone,
        walk_in={True: "yes", False: "no", None: ""}[row.walk_in],
        weekly=dict(row.weekly_hours or {}),
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
        for column in (
            "kind",
            "name",
            "address",
            "commune_insee",
            "commune_name",
            "phone",
            "walk_in",
            "weekly_hours",
        ):
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


def practical_question_in(text: str) -> bool:
    """Whether ``text`` asks a practical question the places answer (phone, hours, walk-in,
    where, a bare postal code): the conversation then reads them for this turn."""
    return read_practical(text) is not None


async def places_for_question(session: AsyncSession, text: str, *, today: date) -> PlacesAnswer:
    """What to tell a young person who asks where the team is, nearest to the commune they
    name first (inside the conversation's unit of work), with the practical question asked."""
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
            phone=row.phone,
            walk_in=row.walk_in,
            weekly=row.weekly_hours or {},
        )
        for row in rows
    ]
    return choose_places(
        places, today=today, near=find_commune_in(text), question=read_practical(text)
    )
