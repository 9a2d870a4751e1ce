"""Values a client chose (message ids, provider ids, paths) made safe to put in a log line.

A log line is trusted by whoever reads it: a ``metadata.message_id`` holding a newline and
``INFO user 1 signed in`` would write a second, forged line. Every log of such a value goes
through :func:`escape_for_log`, which keeps it on one line and bounded.
"""

from __future__ import annotations

from typing import Final

MAX_LOGGED: Final = 100
"""Characters kept of a client's value; ids are shorter, and a log is not a store."""


def escape_for_log(value: object, limit: int = MAX_LOGGED) -> str:
    """``value`` as one printable line of at most ``limit`` characters (plus "…" when cut).

    Control, separator and invisible format characters (newlines, ANSI escapes, U+2028, the
    right-to-left override) and the backslash are written as Python escapes (``\\n``,
    ``\\x1b``, ``\\u202e``, ``\\\\``), so a line reads the same in a terminal, a file or a log
    viewer, and an escape typed by the client cannot pass for one of ours.
    """
    text = str(value)
    kept = "".join(
        char if char.isprintable() and char != "\\" else _escaped(char) for char in text[:limit]
    )
    return kept + ("…" if len(text) > limit else "")


def _escaped(char: str) -> str:
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")
