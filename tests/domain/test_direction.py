"""Numbers in right-to-left plain text (SMS, Telegram, WhatsApp) stay as dialled."""

from __future__ import annotations

import unicodedata

from outreach_bot.channels.sms_text import count_segments, to_sms_text
from outreach_bot.domain.direction import is_right_to_left, keep_numbers_whole

NBSP = "\u00a0"


def test_spaced_numbers_in_arabic_dari_or_pashto_are_joined_by_no_break_spaces() -> None:
    """The groups of "116 006" and "0 800 235 236" cannot be laid out apart any more."""
    arabic = "الضحايا: 116 006، للحديث: 0 800 235 236."
    dari = "قربانیان: 116 006"
    pashto = "قربانیان: 116 006"
    assert (
        keep_numbers_whole(arabic)
        == f"الضحايا: 116{NBSP}006، للحديث: 0{NBSP}800{NBSP}235{NBSP}236."
    )
    assert keep_numbers_whole(dari).endswith(f"116{NBSP}006")
    assert keep_numbers_whole(pashto).endswith(f"116{NBSP}006")
    # For the bidirectional algorithm the no-break space is a number separator; the space was not.
    assert unicodedata.bidirectional(NBSP) == "CS"
    assert unicodedata.bidirectional(" ") == "WS"


def test_a_left_to_right_text_and_words_between_numbers_are_left_alone() -> None:
    """French keeps its plain spaces (GSM-7); in Arabic only spaces between two digits change."""
    french = "Victimes : 116 006, de 9h à 19h."
    assert keep_numbers_whole(french) == french
    assert not is_right_to_left(french)
    assert keep_numbers_whole("اتصل بـ 17 أو 112") == "اتصل بـ 17 أو 112"


def test_an_arabic_sms_keeps_its_number_whole_at_no_extra_cost() -> None:
    """Arabic is UCS-2 already: the no-break space costs one unit, like the space it replaces."""
    text = "العنف ضد النساء: 3919، 24/24. الضحايا: 116 006، من 9h إلى 19h."
    sent = to_sms_text(text)
    assert f"116{NBSP}006" in sent
    assert count_segments(sent) == count_segments(text)
    assert count_segments(sent).encoding == "UCS-2"
    assert to_sms_text("Victimes : 116 006.") == "Victimes : 116 006."
