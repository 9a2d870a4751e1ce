"""Numbers and ids from outside input: ASCII digits only, within bounds, never an exception."""

from __future__ import annotations

import pytest

from outreach_bot.domain.numbers import MAX_RECORD_ID, parse_record_id, parse_whole_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("7", 7), ("42", 42), ("007", 7), ("123456789", 123456789)],
)
def test_ascii_digits_are_read(text: str, expected: int) -> None:
    """Plain ASCII digits give their value."""
    assert parse_whole_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " 1", "1 ", "-1", "+1", "1.0", "1e3", "²", "¹²³", "⑤", "٣", "３", "1²", "1234567890"],
)
def test_anything_else_is_none(text: str) -> None:
    """Signs, spaces, superscripts, other scripts' digits and overlong numbers are not numbers."""
    assert parse_whole_number(text) is None


def test_a_huge_number_is_refused_before_conversion() -> None:
    """5,000 digits would hit Python's int conversion limit; they are refused first."""
    assert parse_whole_number("9" * 5000, max_digits=12) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("0001", 1), (str(MAX_RECORD_ID), MAX_RECORD_ID)],
)
def test_record_ids_within_the_integer_column(text: str, expected: int) -> None:
    """Ids from 1 to 2**31 - 1 are ids."""
    assert parse_record_id(text) == expected


@pytest.mark.parametrize(
    "text", ["0", "", str(MAX_RECORD_ID + 1), "9" * 40, "0" * 5000, "-5", "²", "٣"]
)
def test_ids_no_row_can_have_are_none(text: str) -> None:
    """0, 2**31 and anything not ASCII digits cannot be a row's id."""
    assert parse_record_id(text) is None
