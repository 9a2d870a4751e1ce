"""The kinds of file young people send that the team can use: voice notes, photos, papers."""

from __future__ import annotations

from typing import Final

DEFAULT_TYPES: Final = (
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/x-m4a",
    "audio/aac",
    "audio/amr",
    "audio/x-wav",
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
)
"""What voice notes (Telegram and WhatsApp send Ogg Opus, phones AMR, M4A or MP3), photos
and scanned papers (PDF) arrive as."""
