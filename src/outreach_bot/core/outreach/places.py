"""The places and dates where young people can meet the team, kept in the back office.

Staff add, edit and delete offices (address, opening hours per weekday, phone number, walk-in
or not) and the itinerant team's permanences and events (date, place, commune); the bot answers
"vous êtes où cette semaine ?", "il y a une permanence à Stenay ?", "votre numéro ?", "c'est
ouvert le samedi ?" or "sans rendez-vous ?" from them, nearest first. None of this is personal
data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Final

from sqlalchemy import or_, select
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
    FRENCH_WEEKDAYS,
    WEEKDAYS,
    PastDateError,
    Place,
    PlaceKind,
    PlacesAnswer,
    Recurrence,
    check_upcoming,
    choose_places,
    past_date_fr,
    read_practical,
    team_today,
)
from outreach_bot.storage.models import LocalPlace

logger = logging.getLogger(__name__)

NAME_MAX: Final = 200
ADDRESS_MAX: Final = 300
HOURS_MAX: Final = 100
DAY_HOURS_MAX: Final = 60
WALK_IN_CHOICES: Final = {"yes": True, "no": False, "": None}
"""The form's walk-in answer: "oui", "non", or not said (the bot then says to call first)."""
_CLOCK_RE: Final = re.compile(r"^([0-9]{1,2})\s*(?:[h:.]\s*([0-9]{2})?)?$")


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
    repeat: str = ""
    """A weekday key when the permanence is held every week, empty for one date."""
    repeat_start: str = ""
    repeat_end: str = ""
    repeat_until: str = ""


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
    recurrence: Recurrence | None = None
    next_on: date | None = None
    """The next session of a weekly permanence (its first one until then); else ``held_on``."""

    @property
    def when(self) -> str:
        """The date as the list shows it, in French (``tous les mardis, 14h-17h, …``)."""
        if self.recurrence is not None:
            return self.recurrence.french()
        return f"{self.held_on:%d/%m/%Y}" if self.held_on else ""


@dataclass(frozen=True, slots=True)
class PlaceChoice:
    """A place a campaign's event can be linked to, as the campaign form lists it."""

    id: int
    label: str


def _clean(text: str) -> str:
    return " ".join(text.split())


def _clock(text: str) -> time | None:
    """``14:00`` (a time field), ``14h``, ``14h30`` or ``9`` as a time; None if not one."""
    match = _CLOCK_RE.match(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None  # noqa: PLR2004


def _recurrence(
    form: PlaceForm, first: date | None, *, today: date, stored: Recurrence | None
) -> tuple[Recurrence, date]:
    """The weekly rule and its first session, every field checked.

    Raises:
        PlaceInputError: the first field that is wrong.
    """
    if form.repeat not in WEEKDAYS:
        raise PlaceInputError("repeat", "Choisis le jour de la semaine.")
    weekday = WEEKDAYS.index(form.repeat)
    start, end = _clock(form.repeat_start), _clock(form.repeat_end)
    if start is None:
        raise PlaceInputError("repeat_start", "Heure de début invalide : écris-la comme 14:00.")
    if end is None:
        raise PlaceInputError("repeat_end", "Heure de fin invalide : écris-la comme 17:00.")
    if end <= start:
        raise PlaceInputError("repeat_end", "L'heure de fin vient après l'heure de début.")
    try:
        until = parse_held_on(form.repeat_until)
    except InvalidInputError as error:
        raise PlaceInputError(
            "repeat_until", "Date de fin invalide : écris-la comme 30/06/2027."
        ) from error
    if until is None:
        raise PlaceInputError(
            "repeat_until", "Jusqu'à quand ? Donne la date de la dernière permanence."
        )
    try:
        check_upcoming(until, today=today, unchanged=stored.until if stored else None)
    except PastDateError as error:
        raise PlaceInputError("repeat_until", past_date_fr(error.day)) from error
    rule = Recurrence(weekday, start, end, until)
    held = rule.next_date(first or today)
    if held is None:
        raise PlaceInputError(
            "repeat_until",
            f"Aucun {FRENCH_WEEKDAYS[weekday]} entre le premier jour et le "
            f"{until:%d/%m/%Y} : vérifie les dates.",
        )
    return rule, held


def _when(
    form: PlaceForm,
    kind: PlaceKind,
    hours: str,
    weekly: Mapping[str, str],
    *,
    today: date,
    stored: LocalPlace | None,
) -> tuple[date | None, Recurrence | None, str]:
    """The date, the weekly rule and the hours of a checked place.

    Raises:
        PlaceInputError: a date that is wrong or has passed, an office without hours.
    """
    try:
        held_on = parse_held_on(form.held_on)
    except InvalidInputError as error:
        raise PlaceInputError("held_on", "Date invalide : écris-la comme 12/05/2026.") from error
    rule: Recurrence | None = None
    if kind is PlaceKind.OFFICE:
        if not hours and not weekly:
            raise PlaceInputError(
                "hours", "Donne les horaires d'ouverture du bureau (au moins un jour)."
            )
        held_on = None
    elif form.repeat:
        if held_on is not None:
            try:
                check_upcoming(held_on, today=today, unchanged=stored.held_on if stored else None)
            except PastDateError as error:
                raise PlaceInputError("held_on", past_date_fr(error.day)) from error
        rule, held_on = _recurrence(
            form, held_on, today=today, stored=_stored_rule(stored) if stored else None
        )
        hours = rule.hours  # one source: the times typed for the rule
    elif held_on is None:
        raise PlaceInputError("held_on", "Une permanence ou un événement a une date.")
    else:
        try:
            check_upcoming(held_on, today=today, unchanged=stored.held_on if stored else None)
        except PastDateError as error:
            raise PlaceInputError("held_on", past_date_fr(error.day)) from error
    return held_on, rule, hours


def _checked(form: PlaceForm, *, today: date, stored: LocalPlace | None = None) -> LocalPlace:
    """A new row from the form, every rule checked, the commune read from the official list.

    A date before ``today`` is refused, unless it is the one ``stored`` already holds (a past
    event can still be corrected).

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
    held_on, rule, hours = _when(form, kind, hours, weekly, today=today, stored=stored)
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
        repeat_weekday=rule.weekday if rule else None,
        repeat_start=rule.start if rule else None,
        repeat_end=rule.end if rule else None,
        repeat_until=rule.until if rule else None,
    )


def _stored_rule(row: LocalPlace) -> Recurrence | None:
    """The weekly rule a row holds, if it holds one (all four columns are set together)."""
    if (
        row.repeat_weekday is None
        or row.repeat_start is None
        or row.repeat_end is None
        or row.repeat_until is None
    ):
        return None
    return Recurrence(row.repeat_weekday, row.repeat_start, row.repeat_end, row.repeat_until)


def as_place(row: LocalPlace) -> Place:
    """A stored place as the bot, the alerts and the contact lists tell it."""
    return Place(
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
        recurrence=_stored_rule(row),
    )


async def upcoming_places(session: AsyncSession, *, today: date) -> list[Place]:
    """Offices, dates from ``today`` on, and weekly permanences not yet over, inside the
    caller's unit of work: what every list of the team's coming visits starts from."""
    rows = await session.scalars(
        select(LocalPlace).where(
            or_(
                LocalPlace.held_on.is_(None),
                LocalPlace.held_on >= today,
                LocalPlace.repeat_until >= today,
            )
        )
    )
    return [place for row in rows if (place := as_place(row).next_on(today)) is not None]


def _label(row: LocalPlace) -> str:
    """``Salle des fêtes, Verdun``: what a campaign shows of its place."""
    return ", ".join(part for part in (row.address or row.name, row.commune_name) if part)


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
    rule = _stored_rule(row)
    coming = as_place(row).next_on(today)
    last = rule.until if rule else row.held_on
    return PlaceView(
        id=row.id,
        kind=PlaceKind(row.kind),
        name=row.name,
        address=row.address,
        commune_name=row.commune_name,
        held_on=row.held_on,
        hours=row.hours,
        past=last is not None and last < today,
        phone=row.phone,
        walk_in=row.walk_in,
        weekly=row.weekly_hours or {},
        recurrence=rule,
        next_on=coming.held_on if coming else row.held_on,
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
        key=lambda v: (v.past, v.held_on is not None, v.next_on or date.min, v.commune_name),
    )


async def place_choices(
    sessions: async_sessionmaker[AsyncSession], *, today: date, keep: int | None = None
) -> list[PlaceChoice]:
    """Places a campaign's event can be linked to: not over yet, soonest first (plus ``keep``,
    the one a campaign is linked to already, even when it is over)."""
    return [
        PlaceChoice(view.id, _choice_label(view))
        for view in await list_places(sessions, today=today)
        if not view.past or view.id == keep
    ]


def _choice_label(view: PlaceView) -> str:
    where = ", ".join(part for part in (view.name, view.address, view.commune_name) if part)
    # The name first: a phone's select shows only the beginning of an option.
    return f"{where} · {view.when}" if view.when else where


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
        **_repeat_fields(_stored_rule(row)),
    )


def _repeat_fields(rule: Recurrence | None) -> dict[str, str]:
    if rule is None:
        return {}
    return {
        "repeat": WEEKDAYS[rule.weekday],
        "repeat_start": f"{rule.start:%H:%M}",
        "repeat_end": f"{rule.end:%H:%M}",
        "repeat_until": rule.until.isoformat(),
    }


async def add_place(
    sessions: async_sessionmaker[AsyncSession],
    form: PlaceForm,
    *,
    by: int | None,
    today: date | None = None,
) -> int:
    """Add a place; returns its id.

    Raises:
        PlaceInputError: a field is wrong, or a date has passed.
    """
    row = _checked(form, today=today or team_today())
    async with sessions.begin() as session:
        return await insert_place(session, row, by=by)


async def insert_place(session: AsyncSession, row: LocalPlace, *, by: int | None) -> int:
    """Store a checked place inside the caller's unit of work (a campaign creating its event's
    place saves both or neither) and tell those nearby who asked."""
    row.updated_by = by
    row.updated_at = datetime.now(UTC)
    session.add(row)
    await session.flush()
    # People who asked to hear of the team's visits near them get one message.
    await alert_nearby(session, row.id, as_place(row), now=row.updated_at)
    logger.info("place %s added by user %s", row.id, by)
    return row.id


def event_place(form: PlaceForm, *, today: date) -> LocalPlace:
    """A campaign's event as a new place, checked like one typed in Lieux.

    Raises:
        PlaceInputError: a field is wrong (``commune``, ``address``, ``held_on``…).
    """
    return _checked(form, today=today)


def place_label(row: LocalPlace) -> str:
    """What a campaign linked to ``row`` shows as its place (and the figures keep)."""
    return _label(row)[:200]


async def update_place(
    sessions: async_sessionmaker[AsyncSession],
    place_id: int,
    form: PlaceForm,
    *,
    by: int | None,
    today: date | None = None,
) -> None:
    """Replace what a place says.

    Raises:
        NotFoundError: no such place.
        PlaceInputError: a field is wrong, or a new date has passed.
    """
    async with sessions.begin() as session:
        row = await session.get(LocalPlace, place_id)
        if row is None:
            raise NotFoundError(f"place {place_id}")
        checked = _checked(form, today=today or team_today(), stored=row)
        before = _stored_rule(row)
        for column in (
            "kind",
            "name",
            "address",
            "commune_insee",
            "commune_name",
            "phone",
            "walk_in",
            "weekly_hours",
            "repeat_weekday",
            "repeat_start",
            "repeat_end",
            "repeat_until",
        ):
            setattr(row, column, getattr(checked, column))
        moved = (row.held_on, row.commune_insee) != (checked.held_on, checked.commune_insee)
        moved = moved or before != _stored_rule(row)
        row.held_on, row.hours = checked.held_on, checked.hours
        row.updated_by, row.updated_at = by, datetime.now(UTC)
        if moved:  # a new date or commune is news for those nearby (at most one a week)
            await alert_nearby(session, row.id, as_place(row), now=row.updated_at)
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


def town_named_in(text: str) -> bool:
    """Whether ``text`` names a commune of the département (or its postal code): a topic
    question that says where the person is ("un taf vers stenay") is told the places near it."""
    return find_commune_in(text) is not None


async def places_for_question(session: AsyncSession, text: str, *, today: date) -> PlacesAnswer:
    """What to tell a young person who asks where the team is, nearest to the commune they
    name first (inside the conversation's unit of work), with the practical question asked."""
    places = await upcoming_places(session, today=today)
    return choose_places(
        places, today=today, near=find_commune_in(text), question=read_practical(text)
    )
