"""Choosing which places to tell a young person, nearest first, and reading a commune in a
question."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outreach_bot.domain.fields import commune_by_insee, find_commune_in
from outreach_bot.domain.places import (
    HORIZON_DAYS,
    Place,
    PlaceKind,
    Proximity,
    choose_places,
    proximity,
)

TODAY = date(2026, 12, 7)  # a Monday
STENAY, MONTMEDY, VERDUN, BAR = "55502", "55351", "55545", "55029"


def _place(insee: str, days: int | None, name: str = "Permanence") -> Place:
    commune = commune_by_insee(insee)
    assert commune is not None
    return Place(
        kind=PlaceKind.OFFICE if days is None else PlaceKind.PERMANENCE,
        name=name,
        address="",
        commune_insee=insee,
        commune_name=commune.name,
        held_on=None if days is None else TODAY + timedelta(days=days),
        hours="9h-12h" if days is None else "",
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("il y a une permanence à Stenay ?", "Stenay"),
        ("vous passez a dun sur meuse ?", "Dun-sur-Meuse"),
        ("ya qqun a st mihiel demain", "Saint-Mihiel"),
        ("vous etes ou a montmedy", "Montmédy"),
        ("je suis au 55700", "Stenay"),
        ("Vous êtes où cette semaine ?", None),
        ("j'en ai marre, vous êtes où ?", None),
        ("la mission locale c ou", None),
    ],
)
def test_a_commune_is_read_inside_a_question(text: str, name: str | None) -> None:
    """An exact Meuse commune name or postal code inside a sentence is found; words are not."""
    found = find_commune_in(text)
    assert (found.name if found else None) == name


def test_proximity_follows_the_official_geography() -> None:
    """Same commune, then same arrondissement, then same department."""
    stenay, montmedy, bar = (commune_by_insee(c) for c in (STENAY, MONTMEDY, BAR))
    assert stenay is not None
    assert montmedy is not None
    assert bar is not None
    assert proximity(stenay, stenay) is Proximity.SAME_COMMUNE
    assert proximity(montmedy, stenay) is Proximity.SAME_ARRONDISSEMENT
    assert proximity(bar, stenay) is Proximity.SAME_DEPARTMENT


def test_nearest_first_then_soonest() -> None:
    """Asked about Stenay: the Stenay date comes first even if Montmédy's is sooner."""
    places = [_place(MONTMEDY, 1), _place(BAR, 0), _place(STENAY, 5), _place(VERDUN, None)]
    answer = choose_places(places, today=TODAY, near=commune_by_insee(STENAY))
    assert [p.commune_insee for p in answer.places] == [STENAY, MONTMEDY, BAR, VERDUN]
    assert answer.near == "Stenay"
    assert answer.in_near


def test_without_a_commune_dates_come_soonest_first() -> None:
    """No commune named: the next dates in order, then the offices."""
    places = [_place(STENAY, 5), _place(VERDUN, None), _place(MONTMEDY, 1)]
    answer = choose_places(places, today=TODAY, near=None)
    assert [p.commune_insee for p in answer.places] == [MONTMEDY, STENAY, VERDUN]
    assert answer.near is None


def test_past_and_far_dates_are_left_out() -> None:
    """Yesterday's permanence and one beyond the horizon are not told; today's is."""
    places = [_place(STENAY, -1), _place(STENAY, HORIZON_DAYS), _place(MONTMEDY, 0)]
    answer = choose_places(places, today=TODAY, near=commune_by_insee(STENAY))
    assert [p.held_on for p in answer.places] == [TODAY]
    assert not answer.in_near
