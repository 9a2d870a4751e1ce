"""How many SMS segments a counsellor's message costs, shown before it is sent.

A local count until the SMS channel exposes its own; the rules are those of GSM 03.38: 160
characters in one GSM-7 segment (153 each when split), extension characters count twice, and
any other character switches the whole message to UCS-2 (70, then 67 per segment).
"""

from __future__ import annotations

from typing import Final

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")


def count_segments(text: str) -> tuple[int, str]:
    """The number of segments and the encoding (``"GSM-7"`` or ``"UCS-2"``) of ``text``."""
    if not text:
        return 0, "GSM-7"
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        # UTF-16 code units: an emoji outside the BMP takes two.
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return 1, encoding
    return -(-units // multi), encoding
