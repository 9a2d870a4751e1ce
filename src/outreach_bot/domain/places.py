"""Where the team can be met: the Mission Locale's offices and the itinerant team's dates.

The team keeps these in the back office, not in code: addresses, opening hours, permanences
and events change every week. They are not personal data (a place, a date, opening hours),
so they are stored in clear, unlike everything about a young person.

Nearest: by distance between the communes' centres when the packaged commune list carries
them (``scripts/build_communes.py --coordinates``); otherwise, and for a commune without a
position, from the official geography the list does have: the same commune, then a commune
sharing a postal code, then the same arrondissement, then the same department, then anywhere
else; within one of these, the larger town first (its office is the one buses lead to).

Practical questions ("votre numéro ?", "c'est ouvert le samedi ?", "sans rendez-vous ?", "c'est
où ?", a bare postal code) are read here too (:func:`read_practical`), so that the core knows
when to read the places and the dialogue what to tell of them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.fields.commune import Commune, commune_by_insee, find_commune_in

TEAM_ZONE: Final = ZoneInfo("Europe/Paris")
"""Whether a date has passed is decided on the team's calendar, not the server's (UTC)."""
HORIZON_DAYS: Final = 14
"""Dated places shown to a young person: from today to two weeks ahead ("cette semaine")."""
MAX_DATED: Final = 3
MAX_OFFICES: Final = 2


def team_today(now: datetime | None = None) -> date:
    """The day in Meuse at ``now`` (default: now). From 23:00 or midnight UTC it is already
    tomorrow there: a date typed at 00:30 for "today" is not in the past, and a forum held
    the day before is no longer offered."""
    return (now or datetime.now(TEAM_ZONE)).astimezone(TEAM_ZONE).date()


class PlaceKind(StrEnum):
    """An office has opening hours; a permanence or an event has a date."""

    OFFICE = "office"
    PERMANENCE = "permanence"
    EVENT = "event"


class Proximity(IntEnum):
    """How close two communes are, closest first, from the official geography alone."""

    SAME_COMMUNE = 0
    SAME_POSTAL_CODE = 1
    SAME_ARRONDISSEMENT = 2
    SAME_DEPARTMENT = 3
    ELSEWHERE = 4


def proximity(place: Commune | None, near: Commune) -> Proximity:
    """How close ``place`` is to ``near``; an unknown commune counts as elsewhere."""
    if place is None:
        return Proximity.ELSEWHERE
    if place.insee == near.insee:
        return Proximity.SAME_COMMUNE
    if set(place.postal_codes) & set(near.postal_codes):
        return Proximity.SAME_POSTAL_CODE
    if place.arrondissement and place.arrondissement == near.arrondissement:
        return Proximity.SAME_ARRONDISSEMENT
    if place.department == near.department:
        return Proximity.SAME_DEPARTMENT
    return Proximity.ELSEWHERE


WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Keys of a place's hours per weekday, Monday first (``date.weekday()`` order)."""
EARTH_RADIUS_KM: Final = 6371.0


def distance_km(one: Commune, other: Commune) -> float | None:
    """Great-circle distance between two communes' centres, or None if one has no position."""
    if one.position is None or other.position is None:
        return None
    lat1, lon1 = map(math.radians, one.position)
    lat2, lon2 = map(math.radians, other.position)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


FRENCH_WEEKDAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FRENCH_MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_day(day: date) -> str:
    """``mardi 12 mai 2026``: how the team and young people read a date on a page or a poster."""
    return f"{FRENCH_WEEKDAYS[day.weekday()]} {day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def clock(moment: time) -> str:
    """``14h``, ``9h30``: a time as French posters and messages write it."""
    return f"{moment.hour}h{moment.minute:02d}" if moment.minute else f"{moment.hour}h"


class PastDateError(InvalidInputError):
    """A date typed for something to come is already over (``day`` says which)."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day.isoformat()} is in the past: give a date to come")
        self.day = day


def past_date_fr(day: date) -> str:
    """What the back office says of a past date, next to the field, in the team's words."""
    return f"Cette date est passée ({day:%d/%m/%Y}) : choisis aujourd'hui ou une date à venir."


def check_upcoming(day: date, *, today: date, unchanged: date | None = None) -> date:
    """``day`` itself when it is today or later, or when it is the date already stored
    (``unchanged``): a campaign or a place whose date has passed can still be corrected
    (its name, its sector) without typing a new date.

    Raises:
        PastDateError: a new date before ``today``.
    """
    if day < today and day != unchanged:
        raise PastDateError(day)
    return day


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A permanence held every week: "tous les mardis 14h-17h, jusqu'au 30/06/2027".

    Modelled as the weekday (0 for Monday), the start and end times and the last day, no
    more: the itinerant team's rounds are weekly, and anything rarer is typed as dates.
    """

    weekday: int
    start: time
    end: time
    until: date

    @property
    def hours(self) -> str:
        """``14h-17h``, what the bot says after the date."""
        return f"{clock(self.start)}-{clock(self.end)}"

    def next_date(self, day: date) -> date | None:
        """The first time it is held on ``day`` or after; None once :attr:`until` is past."""
        held = day + timedelta(days=(self.weekday - day.weekday()) % 7)
        return held if held <= self.until else None

    def french(self, *, hours: bool = True) -> str:
        """``tous les mardis, 14h-17h, jusqu'au 30/06/2027``, for the back office and alerts
        (without the hours where they were just said)."""
        day = f"tous les {FRENCH_WEEKDAYS[self.weekday]}s"
        if hours:
            day = f"{day}, {self.hours},"
        return f"{day} jusqu'au {self.until:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class Place:
    """One place as the bot tells it: what, where, when, and how to reach it.

    ``weekly`` maps a weekday key of :data:`WEEKDAYS` to that day's hours; a day left out is
    closed. ``walk_in`` is None when the team has not said whether one may come without an
    appointment.
    """

    kind: PlaceKind
    name: str
    address: str
    commune_insee: str
    commune_name: str
    held_on: date | None
    hours: str
    phone: str = ""
    walk_in: bool | None = None
    weekly: Mapping[str, str] = field(default_factory=dict)
    recurrence: Recurrence | None = None
    """Held every week until a day; ``held_on`` is then the first time it was held."""

    @property
    def dated(self) -> bool:
        """A permanence or an event, as opposed to an office."""
        return self.kind is not PlaceKind.OFFICE

    def next_on(self, today: date) -> Place | None:
        """The place as it comes next from ``today``: a weekly permanence with ``held_on``
        moved to its next session (so everything that tells dates tells the right one); None
        when it is over. An office or a one-off date is returned as it is."""
        if self.recurrence is None or self.held_on is None:
            return self
        upcoming = self.recurrence.next_date(max(today, self.held_on))
        return replace(self, held_on=upcoming) if upcoming is not None else None


class Ask(StrEnum):
    """What a practical question asks about the team's places."""

    PHONE = "phone"
    HOURS = "hours"
    WALK_IN = "walk_in"
    WHERE = "where"


@dataclass(frozen=True, slots=True)
class PracticalQuestion:
    """A practical question read in a message.

    ``weekday`` is the day it names (0 for Monday), if any. ``clear`` is False for words that
    ask this only in context ("c'est où ?" after a question on apprenticeships asks where the
    apprenticeship is; a day alone, "et le samedi ?", asks about hours only after hours).
    """

    ask: Ask
    weekday: int | None = None
    clear: bool = True


def _words(*phrases: str) -> re.Pattern[str]:
    """Whole words or phrases, in text folded by :func:`_fold`."""
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


# What people type, folded (no case, accents or punctuation). Phone: "ton num", "votre tel",
# "je peux les appeler" — not "appelez-moi" (that asks for a counsellor) nor "mon numéro".
PHONE_WORDS: Final = _words(
    r"(?:votre|vos|ton|leur|le|un|quel|son) (?:num|numero|tel|telephone|portable|fixe)",
    r"num(?:ero)? de (?:tel|telephone)",
    r"telephone",
    r"(?:vous|les|la|l) (?:appeler|joindre|contacter par tel)",
    r"appeler (?:la mission|l antenne|le bureau)",
    r"phone number",
    r"call you",
)
MY_NUMBER: Final = _words(r"mon (?:num|numero|tel|telephone|portable)", r"[0-9]{6,}")
# "c'est ouvert le samedi ?", "vous fermez à quelle heure" — not "je suis ouvert à tout".
HOURS_WORDS: Final = _words(
    r"(?:c est|cest|c|est|etes|ca|sont|c etait) (?:ouvert|ouverte|ouverts|ferme|fermee|fermes)",
    r"(?:ouvert|ouverte|ouverts|ferme|fermee|fermes) "
    r"(?:le|les|quand|a quelle|ce|cette|aujourd hui|demain|entre|pendant|jusqu|tous)",
    r"(?:ca|vous|ils|elle|on) (?:ouvre|ouvrez|ouvrent|ferme|fermez|ferment)",
    r"(?:ouvre|ouvrez|ferme|fermez) a quelle heure",
    r"horaire",
    r"horaires",
    r"open",
    r"opening hours",
)
# "à quelle heure ?" asks about the team's hours only when it speaks of the team ("vous").
HOURS_MAYBE: Final = _words(r"a quelle heure", r"what time")
WALK_IN_WORDS: Final = _words(
    r"sans (?:rendez vous|rdv|rendezvous)",
    r"(?:faut|besoin d|besoin de|oblige de prendre|obligatoire) (?:un )?(?:rendez vous|rdv)",
    r"(?:rendez vous|rdv) obligatoire",
    r"passer directement",
    r"venir directement",
    r"debarquer",
    r"walk in",
    r"without (?:an )?appointment",
)
WHERE_WORDS: Final = _words(
    r"c est ou",
    r"c ou",
    r"cest ou",
    r"vous etes ou",
    r"vous etes situes",
    r"ou etes vous",
    r"ou vous trouver",
    r"ou ca se trouve",
    r"adresse",
    r"le plus proche",
    r"la plus proche",
    r"plus pres",
    r"pres de chez moi",
    r"vous passez",
    r"vous venez",
    r"passez vous",
    r"venez vous",
    r"permanence",
    r"permanences",
    r"where are you",
    r"nearest",
    r"address",
)
# "vous", "votre", "la mission locale": the question is about the team, not about a topic.
ABOUT_US: Final = _words(r"vous", r"votre", r"vos", r"mission locale", r"milo", r"antenne")
DAYS: Final = (
    ("lundi", "monday", "lun"),
    ("mardi", "tuesday", "mar"),
    ("mercredi", "wednesday", "mer"),
    ("jeudi", "thursday", "jeu"),
    ("vendredi", "friday", "ven"),
    ("samedi", "saturday", "sam"),
    ("dimanche", "sunday", "dim"),
)
DAY_WORDS: Final = tuple(_words(*names[:2]) for names in DAYS)
WEEKEND: Final = _words(r"week end", r"weekend", r"we")
POSTAL_CODE_ALONE: Final = re.compile(r"^\s*[0-9]{5}\s*$")
#: "et à Verdun ?", "et vers Stenay" typed just after an answer: where, near that commune (a
#: commune of the département must be named; "et à quel âge ?" is not a place).
AND_THERE: Final = re.compile(
    r"^ et (?:a|au|aux|sur|vers|dans|pres de|du cote de|cote) (?:[a-z]+ ){1,4}$"
)
_NOT_A_WORD: Final = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower-case ASCII words, space-framed, for the patterns above."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = bare.encode("ascii", "ignore").decode("ascii")
    return f" {_NOT_A_WORD.sub(' ', ascii_text).strip()} "


def read_practical(text: str) -> PracticalQuestion | None:
    """The practical question ``text`` asks about the team's places, if it asks one.

    Checked in this order, the first that matches wins: phone, walk-in, hours, where. A bare
    postal code ("55700") asks where to find the team near it.
    """
    if POSTAL_CODE_ALONE.match(text):
        return PracticalQuestion(Ask.WHERE)
    folded = _fold(text)
    weekday = next((day for day, words in enumerate(DAY_WORDS) if words.search(folded)), None)
    if weekday is None and WEEKEND.search(folded):
        weekday = 5
    if PHONE_WORDS.search(folded) and not MY_NUMBER.search(folded):
        return PracticalQuestion(Ask.PHONE, weekday)
    if WALK_IN_WORDS.search(folded):
        return PracticalQuestion(Ask.WALK_IN, weekday)
    if HOURS_WORDS.search(folded):
        return PracticalQuestion(Ask.HOURS, weekday)
    if HOURS_MAYBE.search(folded):
        return PracticalQuestion(Ask.HOURS, weekday, clear=bool(ABOUT_US.search(folded)))
    if WHERE_WORDS.search(folded):
        return PracticalQuestion(Ask.WHERE, weekday, clear=bool(ABOUT_US.search(folded)))
    if AND_THERE.match(folded) and find_commune_in(text) is not None:
        return PracticalQuestion(Ask.WHERE, weekday, clear=False)
    if weekday is not None and len(folded.split()) <= 4:  # noqa: PLR2004 - "et le samedi ?"
        return PracticalQuestion(Ask.HOURS, weekday, clear=False)
    return None


@dataclass(frozen=True, slots=True)
class PlacesAnswer:
    """What to tell about where to meet the team, nearest first.

    ``near`` is the commune named in the question, if any; ``in_near`` says whether a dated
    place is in that very commune (so "il y a une permanence à Stenay ?" gets a yes or a no).
    """

    places: tuple[Place, ...]
    near: str | None = None
    in_near: bool = False
    question: PracticalQuestion | None = None
    offices: tuple[Place, ...] = ()
    """Every office, nearest first: a practical question (phone, hours) is about them."""


def nearness(place: Commune | None, near: Commune, *, dated: bool = False) -> tuple[float, ...]:
    """A sort key, smallest nearest: the distance between centres when both are known; else
    the :class:`Proximity` class, then a date before an office (the itinerant team comes
    closer than the office is), then the larger town (its office is the one buses lead to)."""
    if place is None:
        return (1, Proximity.ELSEWHERE, 1, 0)
    kilometres = distance_km(place, near)
    if kilometres is not None:
        return (0, kilometres)
    return (1, proximity(place, near), 0 if dated else 1, -place.population)


def choose_places(
    places: list[Place],
    *,
    today: date,
    near: Commune | None,
    question: PracticalQuestion | None = None,
) -> PlacesAnswer:
    """The upcoming dated places and the offices to tell, nearest first then soonest.

    Past dates and those beyond :data:`HORIZON_DAYS` are left out; a weekly permanence is
    told at its next session.
    """
    last = today + timedelta(days=HORIZON_DAYS - 1)
    coming = [upcoming for p in places if (upcoming := p.next_on(today)) is not None]
    dated = [p for p in coming if p.dated and p.held_on and today <= p.held_on <= last]
    offices = [p for p in places if not p.dated]

    def distance(place: Place) -> tuple[float, ...]:
        commune = commune_by_insee(place.commune_insee)
        if near is not None:
            return nearness(commune, near, dated=place.dated)
        # Nobody said where: the main office (the largest town) first.
        return (0, -commune.population if commune and not place.dated else 0)

    dated.sort(key=lambda p: (distance(p), p.held_on, p.name))
    offices.sort(key=lambda p: (distance(p), p.commune_name, p.name))
    chosen = (*dated[:MAX_DATED], *offices[:MAX_OFFICES])
    if near is not None:
        # Nearest first, whether a date or an office; a date before an office as near.
        chosen = tuple(sorted(chosen, key=distance))
    if near is None:
        return PlacesAnswer(chosen, question=question, offices=tuple(offices))
    in_near = any(p.commune_insee == near.insee for p in (*dated, *offices))
    return PlacesAnswer(
        chosen, near=near.name, in_near=in_near, question=question, offices=tuple(offices)
    )
