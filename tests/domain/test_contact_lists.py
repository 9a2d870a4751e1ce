"""Checking a contact list's lines with the dialogue's own parsers, before anything is stored."""

from __future__ import annotations

from datetime import date

import pytest

from outreach_bot.domain.contact_lists import (
    Column,
    RowProblem,
    check_file,
    map_headers,
    parse_birth_date,
    says_wrong_number,
)

TODAY = date(2026, 12, 7)
HEADER = "Prénom;Téléphone;Date de naissance;Commune;Tél. représentant légal\n"


def reasons(text: str) -> dict[int, str]:
    checked = check_file(text.encode(), today=TODAY)
    return {problem.line: problem.reason for problem in checked.problems}


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Prénom", Column.FIRST_NAME),
        ("TÉLÉPHONE", Column.PHONE),
        ("Tél. portable", Column.PHONE),
        ("Né(e) le", Column.BIRTH_DATE),
        ("date_naissance", Column.BIRTH_DATE),
        ("Commune de résidence", Column.COMMUNE),
        ("Code INSEE", Column.INSEE),
        ("Téléphone du représentant légal", Column.REPRESENTATIVE_PHONE),
    ],
)
def test_french_headers_are_understood_however_written(header: str, column: Column) -> None:
    """The SIEI, I-Milo and hand-made headers map to the same columns."""
    positions = map_headers([header, "prenom", "telephone", "date de naissance", "commune"])
    assert positions[column] == 0


def test_a_missing_column_is_named() -> None:
    """A file without the phone column is refused with the column's French name."""
    with pytest.raises(ValueError, match="téléphone"):
        map_headers(["Prénom", "Date de naissance", "Commune"])


def test_a_valid_line_is_normalised() -> None:
    """Phones come out in E.164, the commune as INSEE lists it, the birth date as a date."""
    checked = check_file(
        (HEADER + "Léa;06 12 34 56 78;12/03/2009;verdun;06.98.76.54.32\n").encode(), today=TODAY
    )
    assert checked.problems == []
    [(line, row)] = checked.rows
    assert line == 2
    assert (row.first_name, row.phone, row.representative_phone) == (
        "Léa",
        "+33612345678",
        "+33698765432",
    )
    assert (row.commune.insee, row.commune.name) == ("55545", "Verdun")
    assert row.birth_date == date(2009, 3, 12)
    assert row.age_on(TODAY) == 17


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Max;03 29 12 34 56;01/01/2008;Verdun;", "téléphone fixe"),
        ("Max;;01/01/2008;Verdun;", "téléphone absent"),
        ("Max;06 12;01/01/2008;Verdun;", "téléphone invalide"),
        ("Max;0652345679;30/02/2008;Verdun;", "date de naissance invalide"),
        ("Max;0652345679;01/01/2030;Verdun;", "date de naissance invalide"),
        ("Max;0652345679;01/01/1990;Verdun;", "âge hors du public"),
        ("Max;0652345679;01/01/2015;Verdun;", "âge hors du public"),
        ("Max;0652345679;01/01/2008;Xyzzyville;", "commune inconnue"),
        ("Max;0652345679;01/01/2008;;", "commune absente"),
        ("Max;0652345679;01/01/2008;Verdun;0329123456", "représentant légal"),
        ("0652345679;0652345679;01/01/2008;Verdun;", "prénom"),
    ],
)
def test_a_bad_line_is_listed_with_its_reason(line: str, reason: str) -> None:
    """Each kind of bad line is refused with a reason a counsellor understands."""
    assert reason in reasons(HEADER + line + "\n")[2]


def test_the_second_appearance_of_a_number_is_refused() -> None:
    """One person, written twice in a file (two spellings of the number), gets one message."""
    found = reasons(
        HEADER + "Léa;0612345678;12/03/2009;Verdun;\nLéa;+33 6 12 34 56 78;12/03/2009;Verdun;\n"
    )
    assert found == {3: "numéro en double (ligne 2)"}


def test_comma_separated_files_and_windows_encoding_are_read() -> None:
    """A comma-separated export in Windows-1252 (French Excel) reads like any other."""
    data = "prenom,telephone,date_naissance,code_insee\nZoé,0612345678,2009-03-12,55545\n"
    checked = check_file(data.encode("cp1252"), today=TODAY)
    assert [row.first_name for _, row in checked.rows] == ["Zoé"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"PK\x03\x04\x00\x00binary", "CSV"),
        ("Prénom;Commune\nLéa;Verdun\n".encode(), "téléphone"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_whole(data: bytes, message: str) -> None:
    """An empty file, a spreadsheet or a file without the columns gives one clear reason."""
    with pytest.raises(ValueError, match=message):
        check_file(data, today=TODAY)


def test_blank_lines_are_skipped_and_lines_keep_their_number() -> None:
    """A blank line is not a bad row, and the next bad row keeps its line number in the file."""
    assert reasons(HEADER + "\n;;;;\nMax;;01/01/2008;Verdun;\n") == {4: "téléphone absent"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/03/2009", date(2009, 3, 12)),
        ("2/3/2009", date(2009, 3, 2)),
        ("12-03-2009", date(2009, 3, 12)),
        ("2009-03-12", date(2009, 3, 12)),
        ("12/03/09", None),
        ("31/04/2009", None),
        ("mars 2009", None),
    ],
)
def test_birth_dates_are_read_strictly(text: str, expected: date | None) -> None:
    """Only whole dates are read: a list is the administration's data, not a chat answer."""
    assert parse_birth_date(text) == expected


def test_problems_never_hold_the_values() -> None:
    """A refused line's reason names the field, never what was in it."""
    checked = check_file((HEADER + "Max;0652345679;01/01/1990;Verdun;\n").encode(), today=TODAY)
    assert checked.problems == [RowProblem(2, "âge hors du public (16-25 ans)")]


@pytest.mark.parametrize(
    "text",
    [
        "c'est pas moi",
        "C’est pas moi !",
        "ce n'est pas moi, vous vous trompez",
        "je connais pas",
        "Je ne connais pas, désolé",
        "mauvais numéro",
        "je connais pas de Léa ici",
        "vous avez le mauvais numéro madame",
    ],
)
def test_wrong_number_phrases_are_recognised(text: str) -> None:
    """The explicit phrases of someone who is not the person on the list."""
    assert says_wrong_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "je connais pas la mission locale c'est quoi ?",
        "oui",
        "je cherche une formation",
        "STOP",
        "moi je veux bien",
    ],
)
def test_ordinary_answers_are_not_wrong_numbers(text: str) -> None:
    """A question about the Mission Locale is an answer, not a wrong number."""
    assert not says_wrong_number(text)
