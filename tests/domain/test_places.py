"""Choosing which places to tell a young person, nearest first, and reading a commune in a
question."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from outreach_bot.domain.fields import commune_by_insee, find_commune_in
from outreach_bot.domain.places import (
    HORIZON_DAYS,
    Ask,
    PastDateError,
    Place,
    PlaceKind,
    PracticalQuestion,
    Proximity,
    Recurrence,
    check_upcoming,
    choose_places,
    distance_km,
    french_day,
    nearness,
    past_date_fr,
    proximity,
    read_practical,
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
        # "Dun", as people nearby say it, after a place word only: "dun" is also "d'un".
        ("jcherche un service civique vers dun", "Dun-sur-Meuse"),
        ("un taf a Dun svp", "Dun-sur-Meuse"),
        ("g besoin dun apart", None),
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
    """Asked about Stenay: the Stenay date comes first even if Montmédy's is sooner; dates and
    offices are ranked together, a date before an office as near (same arrondissement)."""
    places = [_place(MONTMEDY, 1), _place(BAR, 0), _place(STENAY, 5), _place(VERDUN, None)]
    answer = choose_places(places, today=TODAY, near=commune_by_insee(STENAY))
    assert [p.commune_insee for p in answer.places] == [STENAY, MONTMEDY, VERDUN, BAR]
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


CLERMONT = "55117"


def test_from_clermont_en_argonne_verdun_comes_before_stenay() -> None:
    """Without coordinates, the larger town of the same arrondissement comes first."""
    places = [_place(STENAY, None, "Antenne"), _place(VERDUN, None, "Mission Locale")]
    answer = choose_places(places, today=TODAY, near=commune_by_insee(CLERMONT))
    assert [p.commune_name for p in answer.places] == ["Verdun", "Stenay"]
    assert answer.near == "Clermont-en-Argonne"
    assert not answer.in_near


def test_with_positions_the_distance_decides() -> None:
    """With communes' centres known, the nearest wins over the arrondissement and the size."""
    clermont, verdun, stenay, bar = (
        commune_by_insee(code) for code in (CLERMONT, VERDUN, STENAY, BAR)
    )
    assert clermont is not None
    assert verdun is not None
    assert stenay is not None
    assert bar is not None
    # Invented positions on a line: Clermont at 0, Stenay 10 km off, Verdun 30, Bar 20.
    at = {
        CLERMONT: (49.0, 5.0),
        STENAY: (49.09, 5.0),
        BAR: (49.18, 5.0),
        VERDUN: (49.27, 5.0),
    }
    near = replace(clermont, position=at[CLERMONT])
    ranked = sorted(
        (replace(c, position=at[c.insee]) for c in (verdun, stenay, bar)),
        key=lambda c: nearness(c, near),
    )
    assert [c.name for c in ranked] == ["Stenay", "Bar-le-Duc", "Verdun"]
    stenay_km = distance_km(ranked[0], near)
    assert stenay_km is not None
    assert round(stenay_km) == 10
    assert distance_km(verdun, near) is None  # Verdun without a position: no distance


@pytest.mark.parametrize(
    ("text", "ask", "weekday", "clear"),
    [
        ("votre numéro de tel ?", Ask.PHONE, None, True),
        ("je peux les appeler ?", Ask.PHONE, None, True),
        ("c ouvert le samedi ?", Ask.HOURS, 5, True),
        ("ça ouvre à quelle heure le lundi ?", Ask.HOURS, 0, True),
        ("vous fermez a quelle heure", Ask.HOURS, None, True),
        ("on peut venir sans rdv ?", Ask.WALK_IN, None, True),
        ("faut un rendez vous ?", Ask.WALK_IN, None, True),
        ("c'est où à Verdun ?", Ask.WHERE, None, False),
        ("vous êtes où le plus près ?", Ask.WHERE, None, True),
        ("55700", Ask.WHERE, None, True),
        ("et le samedi ?", Ask.HOURS, 5, False),
        ("la formation commence à quelle heure", Ask.HOURS, None, False),
        ("et vers montmedy ?", Ask.WHERE, None, False),
        ("et à Stenay", Ask.WHERE, None, False),
    ],
)
def test_practical_questions_are_read(
    text: str, ask: Ask, weekday: int | None, clear: bool
) -> None:
    """Phone, hours (and the day), walk-in and where, as people type them."""
    assert read_practical(text) == PracticalQuestion(ask, weekday, clear)


@pytest.mark.parametrize(
    "text",
    [
        "appelez-moi svp",
        "mon numéro c'est 0612345678",
        "je suis ouvert à tout",
        "je cherche du taf",
        "55",
        "et à quel âge ?",
        "et a part ca",
        "et au niveau du salaire",
    ],
)
def test_other_messages_ask_no_practical_question(text: str) -> None:
    """Asking to be called, giving one's own number or an open mind is not a practical question."""
    assert read_practical(text) is None


def test_a_weekly_permanence_is_told_at_its_next_session_until_its_last_day() -> None:
    """Every Tuesday until the 22nd: on Monday the 7th, Tuesday the 8th; on Wednesday the 16th,
    Tuesday the 22nd; after the 22nd, nothing. Said in French for the back office."""
    rule = Recurrence(1, time(14), time(17, 30), TODAY + timedelta(days=15))
    weekly = replace(
        _place(STENAY, 1, "Perm mardi"), recurrence=rule, held_on=TODAY + timedelta(days=1)
    )
    assert rule.french() == "tous les mardis, 14h-17h30, jusqu'au 22/12/2026"
    for today, expected in (
        (TODAY, date(2026, 12, 8)),
        (TODAY + timedelta(days=1), date(2026, 12, 8)),
        (TODAY + timedelta(days=9), date(2026, 12, 22)),
        (TODAY + timedelta(days=16), None),
    ):
        answer = choose_places([weekly], today=today, near=None)
        assert [p.held_on for p in answer.places] == ([expected] if expected else []), today


def test_a_weekly_permanence_starting_later_is_not_told_before_its_first_day() -> None:
    """First session three weeks ahead: beyond the two weeks told, so not told yet."""
    rule = Recurrence(1, time(14), time(17), TODAY + timedelta(days=60))
    later = replace(_place(STENAY, 22), recurrence=rule)
    assert choose_places([later], today=TODAY, near=None).places == ()


def test_a_past_date_is_refused_unless_it_is_the_one_already_stored() -> None:
    """A new date before today is refused with the day; the stored one may stay."""
    yesterday = TODAY - timedelta(days=1)
    assert check_upcoming(TODAY, today=TODAY) == TODAY
    assert check_upcoming(yesterday, today=TODAY, unchanged=yesterday) == yesterday
    with pytest.raises(PastDateError) as refused:
        check_upcoming(yesterday, today=TODAY, unchanged=TODAY)
    assert refused.value.day == yesterday
    assert past_date_fr(yesterday).startswith("Cette date est passée (06/12/2026)")
    assert french_day(TODAY) == "lundi 7 décembre 2026"
