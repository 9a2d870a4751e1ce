"""Which files we accept: a type allow-list and a size limit, both settings.

The type is read from the file's first bytes (the ``filetype`` library's signatures), never
taken from the sender's word: a file that says it is a JPEG and is a script is refused.
SVG and HTML are never on the list, as a browser would run what they carry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import filetype

from outreach_bot.domain.media import DEFAULT_TYPES

NEVER: Final = frozenset({"image/svg+xml", "text/html", "application/xhtml+xml"})
#: Names a provider may give one type under; the stored type is the one the bytes show.
ALIASES: Final = {
    "audio/wav": "audio/x-wav",
    "audio/m4a": "audio/x-m4a",
    "audio/opus": "audio/ogg",
}


class Problem(StrEnum):
    """Why a file was not kept; each has its own kind answer (``media_<value>``)."""

    TOO_BIG = "too_big"
    WRONG_TYPE = "wrong_type"
    UNAVAILABLE = "unavailable"


def _normal(content_type: str) -> str:
    bare = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(bare, bare)


@dataclass(frozen=True, slots=True)
class MediaPolicy:
    """The allow-list and the limit (``OUTREACH_MEDIA_TYPES``, ``OUTREACH_MEDIA_MAX_BYTES``)."""

    max_bytes: int = 10_000_000
    types: frozenset[str] = frozenset(DEFAULT_TYPES)

    @classmethod
    def of(cls, max_bytes: int, types: Iterable[str]) -> MediaPolicy:
        """A policy from settings; SVG and HTML are dropped from any list."""
        allowed = frozenset(_normal(kind) for kind in types if kind.strip()) - NEVER
        return cls(max_bytes=max_bytes, types=allowed)

    def before_download(self, declared_type: str | None, size: int | None) -> Problem | None:
        """What the provider declared already rules out, so the file is not even fetched."""
        if size is not None and size > self.max_bytes:
            return Problem.TOO_BIG
        if declared_type and _normal(declared_type) not in self.types:
            return Problem.WRONG_TYPE
        return None

    def content_type(self, data: bytes) -> str | Problem:
        """The file's type read from its bytes, if it is allowed; else why it is refused."""
        if len(data) > self.max_bytes:
            return Problem.TOO_BIG
        guessed: str | None = filetype.guess_mime(data)
        if guessed is None or _normal(guessed) not in self.types:
            return Problem.WRONG_TYPE
        return _normal(guessed)
