"""Days typed in forms and query strings: ISO dates within 2000-2100."""

from __future__ import annotations

from datetime import date

import pytest

from outreach_bot.domain.dates import parse_iso_day
from outreach_bot.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("2026-01-31", date(2026, 1, 31)),
        (" 2000-01-01 ", date(2000, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
    ],
)
def test_days_in_range_are_read(raw: str | None, expected: date | None) -> None:
    """Empty means no date; an ISO day between 2000 and 2100 is that day."""
    assert parse_iso_day(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("9999-12-31", "between 2000 and 2100"),
        ("0001-01-01", "between 2000 and 2100"),
        ("1999-12-31", "between 2000 and 2100"),
        ("2026-02-30", "2026-01-31"),
        ("31/01/2026", "2026-01-31"),
        ("²", "2026-01-31"),
        ("٢٠٢٦-01-01", "2026-01-31"),
    ],
)
def test_other_days_are_refused_with_a_reason(raw: str, reason: str) -> None:
    """``9999-12-31`` (whose next day overflows) and malformed days raise InvalidInputError."""
    with pytest.raises(InvalidInputError, match=reason):
        parse_iso_day(raw)
