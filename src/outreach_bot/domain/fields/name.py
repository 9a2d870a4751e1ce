"""First names or nicknames, as a young person types them."""

from __future__ import annotations

import re
from typing import Final

MAX_NAME_LENGTH: Final = 40
_PREFIX_RE: Final = re.compile(
    r"^(je m'?appelle|je m appelle|moi c'?est|c'?est|my name is|i'?m|i am|mon prenom c'?est)\s+",
    re.IGNORECASE,
)


def parse_first_name(text: str) -> str | None:
    """The name without "je m'appelle", or None when it cannot be one.

    A nickname is welcome (``_`` or ``*`` included), but digits, an ``@`` or a command mean
    the answer was something else: a phone number, an e-mail, a button.
    """
    name = _PREFIX_RE.sub("", " ".join(text.split())).strip(" .!,")
    if not name or len(name) > MAX_NAME_LENGTH or "@" in name or name.startswith("/"):
        return None
    if any(char.isdigit() for char in name):
        return None
    return name
