"""Client-chosen values are logged on one line, bounded, and cannot pass for our own lines."""

from __future__ import annotations

import pytest

from outreach_bot.domain.log_text import MAX_LOGGED, escape_for_log


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        ("abc-123", "abc-123"),
        ("x\nINFO user 1 signed in", "x\\nINFO user 1 signed in"),
        ("x\r\n", "x\\r\\n"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\u2028b", "a\\u2028b"),
        ("\u202eevil", "\\u202eevil"),
        ("a\\nb", "a\\\\nb"),  # a typed backslash cannot imitate an escape of ours
        ("\ud800", "\\ud800"),
        ("Noé 😀", "Noé 😀"),
        (12345, "12345"),
        (None, "None"),
    ],
)
def test_a_value_is_one_printable_line(value: object, logged: str) -> None:
    """Newlines, escapes and invisible characters are spelled out; readable text is kept."""
    assert escape_for_log(value) == logged


def test_a_long_value_is_cut() -> None:
    """A 100 kB id is not copied into the log."""
    assert escape_for_log("x" * 100_000) == "x" * MAX_LOGGED + "…"
