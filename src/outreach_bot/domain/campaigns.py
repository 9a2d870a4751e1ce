"""Campaign codes: short, readable, safe in a URL, an SMS and a Telegram deep link."""

from __future__ import annotations

import re
from typing import Final

CODE_RE: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,30}[A-Z0-9]$")
"""3 to 32 characters, letters, digits and inner hyphens: Telegram's ``start`` parameter accepts
``[A-Za-z0-9_-]`` up to 64, an SMS keyword must survive any phone keyboard, and a URL needs no
escaping. Stored upper-case so that codes compare case-insensitively."""


def normalise_code(raw: str) -> str | None:
    """The canonical form of a campaign code, or None if it cannot be one."""
    candidate = raw.strip().upper()
    return candidate if CODE_RE.match(candidate) else None
