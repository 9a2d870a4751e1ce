"""Rendering for Telegram: message splitting, callback data, keyboards, error mapping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from outreach_bot.channels.telegram_outbound import (
    MAX_CALLBACK_DATA,
    CallbackCodec,
    keyboard,
    split_text,
    translate,
)
from outreach_bot.core.channel import PermanentFailureError, TemporaryFailureError
from outreach_bot.dialogue.replies import Button


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_short_text_is_one_message() -> None:
    """A normal answer goes out as one message, untouched."""
    assert split_text("Salut ! Tu cherches quoi ?") == ["Salut ! Tu cherches quoi ?"]


def test_long_text_is_split_at_paragraphs() -> None:
    """A long answer is cut between paragraphs, never in the middle of one."""
    paragraphs = [f"Paragraphe {n}. " + "Une phrase simple et claire. " * 40 for n in range(8)]
    text = "\n\n".join(paragraph.strip() for paragraph in paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(units(chunk) <= 4096 for chunk in chunks)
    assert all(chunk.startswith("Paragraphe") for chunk in chunks)
    assert "\n\n".join(chunks) == text


def test_a_single_long_paragraph_is_split_at_sentences() -> None:
    """Without paragraph breaks, the cut falls after a full sentence."""
    text = " ".join(f"Phrase numéro {n} qui parle de formation." for n in range(300))
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(chunk.endswith(".") for chunk in chunks)
    assert " ".join(chunks) == text


def test_emoji_count_double_towards_the_limit() -> None:
    """Telegram counts an emoji as two units, so a text of emoji is split earlier."""
    text = "😀" * 3000
    chunks = split_text(text)
    assert [len(chunk) for chunk in chunks] == [2048, 952]
    assert "".join(chunks) == text


def test_empty_text_gives_nothing_to_send() -> None:
    """Blank text produces no message (Telegram refuses empty ones)."""
    assert split_text("  \n ") == []


def test_short_payloads_travel_as_callback_data() -> None:
    """Every payload of the dialogue fits Telegram's 64 bytes and survives a restart as is."""
    codec = CallbackCodec()
    for payload in ("/affirm", '/select{"value":"55545"}', '/fix{"field":"first_name"}'):
        assert codec.encode(payload) == payload
        assert CallbackCodec().decode(payload) == payload


def test_long_payloads_get_a_short_key() -> None:
    """A payload over 64 bytes is replaced by a short key that maps back to it."""
    codec = CallbackCodec()
    payload = '/select{"value":"' + "x" * 80 + '"}'
    data = codec.encode(payload)
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert codec.decode(data) == payload
    assert CallbackCodec().decode(data) is None


def test_topic_menu_goes_two_per_row_and_long_titles_one_per_row() -> None:
    """Eight short topics make four rows; long commune names get a row each."""
    codec = CallbackCodec()
    menu = keyboard([Button(f"Sujet {n}", f"/t{n}") for n in range(8)], codec)
    assert menu is not None
    assert [len(row) for row in menu.inline_keyboard] == [2, 2, 2, 2]
    communes = keyboard(
        [Button("Verdun (55)", "/a"), Button("Saint-Mihiel (55)", "/b"), Button("Aucune", "/c")],
        codec,
    )
    assert communes is not None
    assert [len(row) for row in communes.inline_keyboard] == [1, 1, 1]
    assert keyboard([], codec) is None


@pytest.mark.parametrize(
    ("make_error", "expected", "retry_after"),
    [
        (lambda: RetryAfter(timedelta(seconds=3)), TemporaryFailureError, 3.0),
        (TimedOut, TemporaryFailureError, None),
        (lambda: NetworkError("Bad Gateway"), TemporaryFailureError, None),
        (lambda: InvalidToken("Unauthorized"), TemporaryFailureError, None),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), PermanentFailureError, None),
        (lambda: BadRequest("Bad Request: chat not found"), PermanentFailureError, None),
    ],
)
def test_bot_api_errors_map_to_retry_or_give_up(
    make_error: Callable[[], TelegramError], expected: type[Exception], retry_after: float | None
) -> None:
    """Flood control and outages are retried; a blocked bot or a refused chat is not."""
    translated = translate(make_error())  # built here, where PTB_TIMEDELTA is set
    assert isinstance(translated, expected)
    if retry_after is not None:
        assert isinstance(translated, TemporaryFailureError)
        assert translated.retry_after == retry_after
