"""The SMS length shown to a counsellor before sending."""

from __future__ import annotations

import pytest

from outreach_bot.web.admin.segment import count_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (0, "GSM-7")),
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("€" * 80, (1, "GSM-7")),  # extension characters count twice
        ("€" * 81, (2, "GSM-7")),
        ("ê" * 70, (1, "UCS-2")),  # one character outside GSM-7 switches the whole text
        ("ê" * 71, (2, "UCS-2")),
        ("Salut, c'est Léa de la Mission Locale", (1, "GSM-7")),
    ],
)
def test_segment_count_follows_gsm_rules(text: str, expected: tuple[int, str]) -> None:
    """A counsellor sees how many SMS a message will cost, by the GSM 03.38 rules."""
    assert count_segments(text) == expected
