"""SMS-aware text: GSM-7/UCS-2 segment counting, typographic clean-up, numbered choices.

A Mission Locale pays per segment, not per message. One character outside the GSM-7 alphabet
(a curly apostrophe, a non-breaking space, an ``ê``) switches the whole message to UCS-2, which
holds 70 characters per segment instead of 160. So typographic characters are always replaced,
and accents that GSM-7 lacks are dropped only when that saves a segment: French stays correct
whenever it costs nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.direction import keep_numbers_whole

#: The GSM 03.38 default alphabet (3GPP TS 23.038), without the escape code.
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: each costs two septets (escape + code).
GSM7_EXTENDED: Final = frozenset("\f^{}\\[~]|€")
_GSM7: Final = GSM7_BASIC | GSM7_EXTENDED

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67

#: Typography that looks the same to a reader but would force UCS-2.
TYPOGRAPHIC: Final[dict[str, str]] = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u201b": "'",  # ‛
    "\u2032": "'",  # ′
    "\u02bc": "'",  # ʼ
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u201f": '"',  # ‟
    "\u2033": '"',  # ″
    "\u2026": "...",  # …
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # –
    "\u2014": "-",  # —
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2022": "-",  # •
    "\u00b7": ".",  # · (inclusive writing: conseiller·e)
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (before ? ! : ; in French typography)
    "\u2002": " ",
    "\u2003": " ",
    "\u2004": " ",
    "\u2005": " ",
    "\u2006": " ",
    "\u2007": " ",
    "\u2008": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\t": " ",
    "\u200b": "",  # zero-width space
    "\u00ad": "",  # soft hyphen
    "\ufeff": "",  # byte-order mark
    "\u0153": "oe",  # œ
    "\u0152": "OE",  # Œ
}
# « mot » is written with inner spaces in French; as plain quotes those spaces look wrong.
_OPENING_GUILLEMET: Final = re.compile("\u00ab[ \u00a0\u202f]*")
_CLOSING_GUILLEMET: Final = re.compile("[ \u00a0\u202f]*\u00bb")


@dataclass(frozen=True, slots=True)
class SegmentCount:
    """How a text travels as SMS: its encoding, its length in that encoding, and its parts."""

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` exists in GSM-7 (basic or extension table)."""
    # One set operation rather than a test per character: every SMS reply is checked.
    return _GSM7.issuperset(text)


def count_segments(text: str) -> SegmentCount:
    """The number of SMS segments ``text`` is billed as.

    GSM-7 holds 160 septets in one SMS, 153 per part once split (the rest is the
    concatenation header); extension characters take two septets and are never split across
    parts. UCS-2 holds 70 UTF-16 code units, 67 per part, and an emoji (two code units) is
    never split either. An empty text is no SMS at all.
    """
    if is_gsm7(text):
        widths = [2 if char in GSM7_EXTENDED else 1 for char in text]
        return SegmentCount("GSM-7", sum(widths), _parts(widths, GSM7_SINGLE, GSM7_PART))
    widths = [len(char.encode("utf-16-le")) // 2 for char in text]
    return SegmentCount("UCS-2", sum(widths), _parts(widths, UCS2_SINGLE, UCS2_PART))


def _parts(widths: list[int], single: int, part: int) -> int:
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > part:
            parts += 1
            used = 0
        used += width
    return parts


def replace_typography(text: str) -> str:
    """Swap typographic characters for their plain GSM-7 look-alikes (’ → ', « » → ", … → ...)."""
    text = _OPENING_GUILLEMET.sub('"', text)
    text = _CLOSING_GUILLEMET.sub('"', text)
    return "".join(TYPOGRAPHIC.get(char, char) for char in text)


def fold_accents(text: str) -> str:
    """Drop accents that GSM-7 lacks (â ê î ô û ç ë ï…); keep é è à ù, which it has."""
    folded: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            folded.append(char)
            continue
        bare = "".join(
            part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
        )
        folded.append(bare if bare and is_gsm7(bare) else char)
    return "".join(folded)


def to_sms_text(text: str) -> str:
    """The text to send: typography always replaced, accents folded only if it saves a segment.

    In a right-to-left text (Arabic, Dari, Pashto: UCS-2 anyway) the spaces inside numbers
    become no-break again, at no cost, so the phone shows "116 006" as dialled
    (:func:`~outreach_bot.domain.direction.keep_numbers_whole`).
    """
    plain = replace_typography(text)
    if is_gsm7(plain):
        return plain
    folded = fold_accents(plain)
    if count_segments(folded).segments < count_segments(plain).segments:
        return folded
    return keep_numbers_whole(plain)


def numbered_choices(titles: Iterable[str]) -> list[str]:
    """Buttons as SMS lines: ``1. Oui``, ``2. Non merci``; a lone option reads ``(1 = Passer)``.

    A lone option sits next to a question that wants a typed answer (a first name, a commune),
    so it must not look like the only possible reply.
    """
    choices = list(titles)
    if len(choices) == 1:
        return [f"(1 = {choices[0]})"]
    return [f"{index}. {title}" for index, title in enumerate(choices, start=1)]


def render_reply(reply: Reply, instruction: str | None) -> str:
    """One reply as the SMS body: the text, its choices as numbered lines, then how to answer.

    Args:
        reply: what the dialogue said.
        instruction: the line that says how to choose ("Réponds 1 ou 2."), or None.

    Returns:
        The body, already passed through :func:`to_sms_text`.
    """
    choices = reply.choices  # an SMS cannot carry a tel: link; the number is in the text
    lines = [reply.text.strip(), *numbered_choices(button.title for button in choices)]
    if len(choices) > 1 and instruction:
        lines.append(instruction)
    return to_sms_text("\n".join(line for line in lines if line))
