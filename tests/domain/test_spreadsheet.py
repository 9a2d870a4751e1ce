"""CSV cells that LibreOffice or Excel would run as formulas come out as plain text."""

from __future__ import annotations

import csv
import io

import pytest

from outreach_bot.domain.spreadsheet import csv_document, csv_section, safe_cell


@pytest.mark.parametrize(
    "typed",
    ["=cmd|'/c calc'!A1", "+33 6 12", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"],
)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(typed: str) -> None:
    """Whatever starts like a formula is shown as typed, behind one apostrophe."""
    assert safe_cell(typed) == "'" + typed


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Forum emploi", "Forum emploi"), ("a=b", "a=b"), (12, "12"), (None, ""), ("", "")],
)
def test_other_cells_are_left_as_they_are(value: object, expected: str) -> None:
    """Counts, blanks and text with a sign further on are untouched."""
    assert safe_cell(value) == expected


def test_a_section_follows_a_document_in_one_file() -> None:
    """Only the file's start has a byte-order mark; both parts defuse their cells."""
    text = csv_document(["Nom"], [["=cmd"]]) + "\r\n" + csv_section(["Partenaire"], [["@x"]])
    assert text.count("\ufeff") == 1
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [["Nom"], ["'=cmd"], [], ["Partenaire"], ["'@x"]]
