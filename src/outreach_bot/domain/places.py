"""Where the team can be met: the Mission Locale's offices and the itinerant team's dates.

The team keeps these in the back office, not in code: addresses, opening hours, permanences
and events change every week. They are not personal data (a place, a date, opening hours),
so they are stored in clear, unlike everything about a young person.

Proximity: the commune list has no coordinates, so "nearest" is read from the official
geography it does have: the same commune, then a commune sharing a postal code, then the same
arrondissement, then the same department, then anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Final

from outreach_bot.domain.fields.commune import Commune, commune_by_insee

HORIZON_DAYS: Final = 14
"""Dated places shown to a young person: from today to two weeks ahead ("cette semaine")."""
MAX_DATED: Final = 3
MAX_OFFICES: Final = 2


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


@dataclass(frozen=True, slots=True)
class Place:
    """One place as the bot tells it: what, where, when."""

    kind: PlaceKind
    name: str
    address: str
    commune_insee: str
    commune_name: str
    held_on: date | None
    hours: str

    @property
    def dated(self) -> bool:
        """A permanence or an event, as opposed to an office."""
        return self.kind is not PlaceKind.OFFICE


@dataclass(frozen=True, slots=True)
class PlacesAnswer:
    """What to tell about where to meet the team, nearest first.

    ``near`` is the commune named in the question, if any; ``in_near`` says whether a dated
    place is in that very commune (so "il y a une permanence à Stenay ?" gets a yes or a no).
    """

    places: tuple[Place, ...]
    near: str | None = None
    in_near: bool = False


def choose_places(places: list[Place], *, today: date, near: Commune | None) -> PlacesAnswer:
    """The upcoming dated places and the offices to tell, nearest first then soonest.

    Past dates and those beyond :data:`HORIZON_DAYS` are left out.
    """
    last = today + timedelta(days=HORIZON_DAYS - 1)
    dated = [p for p in places if p.dated and p.held_on and today <= p.held_on <= last]
    offices = [p for p in places if not p.dated]

    def distance(place: Place) -> Proximity:
        return proximity(commune_by_insee(place.commune_insee), near) if near else Proximity(0)

    dated.sort(key=lambda p: (distance(p), p.held_on, p.name))
    offices.sort(key=lambda p: (distance(p), p.commune_name, p.name))
    chosen = (*dated[:MAX_DATED], *offices[:MAX_OFFICES])
    if near is None:
        return PlacesAnswer(chosen)
    in_near = any(p.commune_insee == near.insee for p in dated)
    return PlacesAnswer(chosen, near=near.name, in_near=in_near)
