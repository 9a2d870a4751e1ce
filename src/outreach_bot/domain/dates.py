"""Days typed in a form or a query string, within the years the service can mean.

``date.fromisoformat("9999-12-31")`` succeeds, and the first ``+ timedelta(days=1)`` on it
(the end of a period, the week it falls in) raises ``OverflowError``. No date this service
handles lies outside 2000-2100, so anything outside is refused where it comes in, with a 400.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from outreach_bot.domain.errors import InvalidInputError

EARLIEST_YEAR: Final = 2000
LATEST_YEAR: Final = 2100


def check_year(value: date) -> date:
    """``value`` itself, when its year is one the service can mean.

    Raises:
        InvalidInputError: a year before :data:`EARLIEST_YEAR` or after :data:`LATEST_YEAR`.
    """
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidInputError(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def parse_iso_day(raw: str | None) -> date | None:
    """A day written ``YYYY-MM-DD``; None when empty.

    Raises:
        InvalidInputError: another shape, a day that does not exist, or a year out of range.
    """
    text = (raw or "").strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInputError("dates must look like 2026-01-31") from error
    return check_year(value)
