"""JSON from outside: every way ``json.loads`` fails becomes one InvalidInputError."""

from __future__ import annotations

import pytest

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.json_text import MAX_DEPTH, parse_json


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "must be JSON"),
        (b"{", "must be JSON"),
        (b'{"a": "\xc3\x28"}', "UTF-8"),
        (b"[" * 100_000, "nested"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested"),
        (b'{"a": ' + b"9" * 5000 + b"}", "too long"),
    ],
)
def test_unreadable_json_is_an_invalid_input(raw: bytes, reason: str) -> None:
    """Syntax, encoding, nesting and the 4,300-digit limit all raise InvalidInputError."""
    with pytest.raises(InvalidInputError, match=reason):
        parse_json(raw)


def test_nesting_up_to_the_limit_is_read() -> None:
    """A body nested exactly MAX_DEPTH deep is still accepted."""
    raw = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(raw) is not None


def test_lone_surrogates_become_replacement_characters() -> None:
    """Half an emoji, in a key or a value, becomes U+FFFD; a whole one written as two escapes
    stays whole."""
    value = parse_json(r'{"k\ud800": ["ok \ud83d", "\ud83d\ude00", "\udfff"]}')
    assert value == {"k\ufffd": ["ok \ufffd", "😀", "\ufffd"]}
    for text in value["k\ufffd"]:
        text.encode("utf-8")  # would raise on a surrogate


def test_ordinary_json_is_untouched() -> None:
    """Accents and emoji pass as they are."""
    assert parse_json('{"message": "élève œuf 😀", "n": 12}') == {
        "message": "élève œuf 😀",
        "n": 12,
    }
