"""Campaign code and date rules, shared by the CLI, the back office and SMS keywords."""

from __future__ import annotations

from datetime import date

import pytest

from outreach_bot.domain.campaigns import (
    MAX_SUGGESTED,
    CodeProblem,
    code_problem,
    normalise_code,
    parse_held_on,
    suggest_code,
    validate_code,
)
from outreach_bot.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("forum-verdun", "FORUM-VERDUN"),
        (" Forum-Verdun ", "FORUM-VERDUN"),
        ("Forum-Verdun !", "FORUM-VERDUN"),
        ("«FORUM»", "FORUM"),
        ("forum verdun", None),
        ("FORUM🎉", None),
        ("x" * 33, None),
        ("", None),
    ],
)
def test_typed_codes_are_found_leniently(raw: str, expected: str | None) -> None:
    """Case and punctuation around a keyword do not matter; spaces inside do."""
    assert normalise_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", CodeProblem.EMPTY),
        ("AB", CodeProblem.TOO_SHORT),
        ("A" * 33, CodeProblem.TOO_LONG),
        ("A" * 500, CodeProblem.TOO_LONG),
        ("FORUM VERDUN", CodeProblem.CHARACTERS),
        ("FORUM!", CodeProblem.CHARACTERS),
        ("FORUM-", CodeProblem.CHARACTERS),
        ("ÉTÉ-2026", CodeProblem.CHARACTERS),
        ("STOP", CodeProblem.RESERVED),
        ("aide", CodeProblem.RESERVED),
        ("CHAT", CodeProblem.RESERVED),
        ("FORUM-2026", None),
        ("123", None),
    ],
)
def test_new_codes_follow_strict_rules(raw: str, problem: CodeProblem | None) -> None:
    """What is printed on posters is checked strictly, and the reason is given."""
    assert code_problem(raw) is problem
    if problem is None:
        assert validate_code(raw) == raw.upper()
    else:
        with pytest.raises(InvalidInputError):
            validate_code(raw)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Forum emploi Verdun", "FORUM-EMPLOI"),
        ("Fête du sport à Étain 🎉", "FETE-SPORT"),
        ("Journée portes ouvertes de la Mission Locale de Verdun", "JOURNEE"),
        ("Intercommunalité Val de Meuse", "INTERCOMMUNA"),
        ("Le 14 juillet", "14-JUILLET"),
        ("La Les", "LA-LES"),
        ("🎉🎉", ""),
    ],
)
def test_codes_are_suggested_from_names(name: str, code: str) -> None:
    """A code made from a name is short enough to type by hand: whole words, at most 12."""
    assert suggest_code(name) == code
    assert len(code) <= MAX_SUGGESTED


@pytest.mark.parametrize(
    "name",
    [
        "Forum de l'emploi saisonnier et de l'alternance du Nord meusien, édition 2026",
        "A" * 200,
        "Ça bouge à Stenay-sur-Meuse : tournoi de foot inter-quartiers",
        "1 2 3 4 5 6 7 8 9 10 11 12 13",
    ],
)
def test_no_name_makes_a_code_longer_than_twelve(name: str) -> None:
    """However long the name, the suggestion fits 12 characters and is a valid code shape."""
    code = suggest_code(name)
    assert 0 < len(code) <= MAX_SUGGESTED
    assert not code.endswith("-")
    assert normalise_code(code) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-12", date(2026, 5, 12)),
        ("12/05/2026", date(2026, 5, 12)),
        ("1.6.2026", date(2026, 6, 1)),
        ("", None),
        ("  ", None),
    ],
)
def test_campaign_dates_in_french_or_iso(raw: str, expected: date | None) -> None:
    """Staff may type 12/05/2026 or 2026-05-12."""
    assert parse_held_on(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/2026", "demain", "2026-13-01", "12/05/26", "1899-01-01"])
def test_impossible_dates_are_refused_clearly(raw: str) -> None:
    """A date that cannot be, or a year out of range, says how to write it."""
    with pytest.raises(InvalidInputError, match=r"2026-05-12|year"):
        parse_held_on(raw)
