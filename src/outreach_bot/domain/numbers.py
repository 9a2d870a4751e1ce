"""Whole numbers typed by people or sent in URLs: ASCII digits only, within stated bounds.

``str.isdigit()`` is true for "²", "¹²³" and "⑤", on which ``int()`` then raises, and Python's
``\\d`` matches Arabic-Indic or fullwidth digits unless ``re.ASCII`` is given. A "²" typed on a
French AZERTY keyboard while a menu was shown used to crash the handler; every place that reads a
number from outside input goes through this module instead.
"""

from __future__ import annotations

from typing import Final

MAX_RECORD_ID: Final = 2**31 - 1
"""The largest id an ``INTEGER`` column holds on PostgreSQL (and the bound we use on SQLite).

A bigger id cannot exist; sending it to PostgreSQL fails the query instead of finding nothing.
"""

_ASCII_DIGITS: Final = frozenset("0123456789")


def parse_whole_number(text: str, *, max_digits: int = 9) -> int | None:
    """``text`` as a non-negative integer written in ASCII digits, or None.

    No sign, no spaces, no "²" or "٣": only 0-9, at most ``max_digits`` of them, so that the
    value is small and ``int()`` cannot fail on it (nor hit the 4,300-digit conversion limit).
    """
    if not 0 < len(text) <= max_digits or not _ASCII_DIGITS.issuperset(text):
        return None
    return int(text)


def parse_record_id(text: str) -> int | None:
    """A database id from a URL or a query string, or None when no row can have it.

    Returns:
        An integer from 1 to :data:`MAX_RECORD_ID`; None for anything else ("0", "-1", "1e3",
        "²", 2**31), which the caller answers with a 404 (path) or a 400 (query).
    """
    number = parse_whole_number(text.lstrip("0") or "0", max_digits=len(str(MAX_RECORD_ID)))
    if number is None or not 1 <= number <= MAX_RECORD_ID:
        return None
    return number
