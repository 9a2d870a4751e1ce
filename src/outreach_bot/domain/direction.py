"""Writing direction of plain text: numbers kept readable inside right-to-left messages.

An SMS, a Telegram or a WhatsApp message carries no markup, so a phone shows it by the Unicode
bidirectional algorithm alone. In an Arabic, Dari or Pashto sentence, the groups of a number
written with spaces are laid out right to left: "116 006" shows "006 116", "0 800 235 236"
shows "236 235 800 0", a crisis number a young person would dial wrong. A no-break space is a
number separator for that algorithm (class CS), so groups joined by it stay one number, read
as dialled. It costs nothing: a message in Arabic script is UCS-2 already, where a no-break
space is one unit like a space. Texts with no right-to-left letter are left as they are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

NBSP: Final = "\u00a0"
_SPACE_IN_NUMBER: Final = re.compile(r"(?<=[0-9]) (?=[0-9])")
_RIGHT_TO_LEFT: Final = frozenset({"R", "AL"})
"""Bidirectional classes of right-to-left letters (Hebrew; Arabic script: Arabic, Dari, Pashto)."""


def is_right_to_left(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter, which makes a phone lay it out so.

    >>> is_right_to_left("اتصل بـ 3114"), is_right_to_left("Appelle le 3114")
    (True, False)
    """
    return any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text)


def keep_numbers_whole(text: str) -> str:
    """``text`` with the spaces inside numbers made no-break when it reads right to left.

    >>> keep_numbers_whole("الضحايا: 116 006") == "الضحايا: 116\\u00a0006"
    True
    >>> keep_numbers_whole("Victimes : 116 006")
    'Victimes : 116 006'
    """
    if not is_right_to_left(text):
        return text
    return _SPACE_IN_NUMBER.sub(NBSP, text)
