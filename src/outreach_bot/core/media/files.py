"""Received files in the database: stored encrypted, held until consent, kept or dropped.

Every function here runs in its caller's transaction: the file, its transcript line and the
dialogue's new state commit together, and a file is kept or dropped in the very transaction
that records the young person's answer.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.storage.models import MediaFile, MediaStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MediaSummary:
    """A file as the lead page lists it: what it is, never its bytes."""

    id: int
    kind: str
    content_type: str
    size: int
    filename: str | None
    received_at: datetime
    #: The transcript line that says it came (None on channels answered in the HTTP reply).
    message_id: int | None = None

    @property
    def is_audio(self) -> bool:
        """Played in an ``<audio>`` element."""
        return self.content_type.startswith("audio/")

    @property
    def is_image(self) -> bool:
        """Shown as an image."""
        return self.content_type.startswith("image/")


async def store_media(
    session: AsyncSession,
    *,
    conversation_id: int,
    lead_id: int | None,
    message_id: int | None,
    kind: str,
    content_type: str,
    data: bytes,
    filename: str | None,
    now: datetime,
) -> MediaFile:
    """Store a checked file: ``kept`` on ``lead_id`` when there is one, else ``held``."""
    media = MediaFile(
        conversation_id=conversation_id,
        lead_id=lead_id,
        message_id=message_id,
        kind=kind,
        content_type=content_type,
        size=len(data),
        filename=filename[:200] if filename else None,
        status=MediaStatus.KEPT if lead_id is not None else MediaStatus.HELD,
        data=data,
        received_at=now,
    )
    session.add(media)
    await session.flush()
    logger.info(
        "%s file %s stored %s in conversation %s", kind, media.id, media.status, conversation_id
    )
    return media


async def keep_held(session: AsyncSession, conversation_id: int, lead_id: int) -> int:
    """The young person agreed: their held files join ``lead_id``. Returns how many."""
    result = await session.execute(
        update(MediaFile)
        .where(MediaFile.conversation_id == conversation_id, MediaFile.status == MediaStatus.HELD)
        .values(status=MediaStatus.KEPT, lead_id=lead_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def drop_held(session: AsyncSession, conversation_id: int) -> int:
    """The young person said no: their held files are deleted. Returns how many."""
    result = await session.execute(
        delete(MediaFile).where(
            MediaFile.conversation_id == conversation_id, MediaFile.status == MediaStatus.HELD
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_media(session: AsyncSession, conversation_id: int) -> None:
    """Every file of a conversation, for its erasure (SUPPRIMER, an admin, retention).

    Explicit rather than left to the foreign key's cascade, which SQLite applies only when
    its foreign keys are switched on.
    """
    await session.execute(delete(MediaFile).where(MediaFile.conversation_id == conversation_id))


async def purge_held(session: AsyncSession, cutoff: datetime) -> int:
    """Held files received before ``cutoff``: the person never answered, so nothing is kept."""
    result = await session.execute(
        delete(MediaFile).where(
            MediaFile.status == MediaStatus.HELD, MediaFile.received_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def media_of_conversation(
    session: AsyncSession, conversation_id: int | None
) -> list[MediaSummary]:
    """The kept files of a conversation, oldest first (held ones wait for consent: unseen)."""
    if conversation_id is None:
        return []
    rows = await session.execute(
        select(
            MediaFile.id,
            MediaFile.kind,
            MediaFile.content_type,
            MediaFile.size,
            MediaFile.filename,
            MediaFile.received_at,
            MediaFile.message_id,
        )
        .where(MediaFile.conversation_id == conversation_id, MediaFile.status == MediaStatus.KEPT)
        .order_by(MediaFile.received_at, MediaFile.id)
    )
    return [MediaSummary(*row) for row in rows]


async def read_media(
    session: AsyncSession, conversation_id: int, media_id: int
) -> tuple[MediaSummary, bytes] | None:
    """One kept file of the conversation with its bytes, decrypted; None if there is none."""
    media = await session.scalar(
        select(MediaFile).where(
            MediaFile.id == media_id,
            MediaFile.conversation_id == conversation_id,
            MediaFile.status == MediaStatus.KEPT,
        )
    )
    if media is None:
        return None
    data = await session.scalar(select(MediaFile.data).where(MediaFile.id == media_id))
    if data is None:  # written under another secret key: unreadable
        return None
    summary = MediaSummary(
        media.id, media.kind, media.content_type, media.size, media.filename, media.received_at
    )
    return summary, data


async def media_for_export(session: AsyncSession, conversation_id: int) -> list[dict[str, object]]:
    """Every file held about the person, held ones included, with its bytes in base64: the
    access export hands over everything, files too."""
    rows = await session.scalars(
        select(MediaFile)
        .where(MediaFile.conversation_id == conversation_id)
        .order_by(MediaFile.received_at, MediaFile.id)
    )
    exported: list[dict[str, object]] = []
    for media in rows:
        data = await session.scalar(select(MediaFile.data).where(MediaFile.id == media.id))
        exported.append(
            {
                "kind": media.kind,
                "content_type": media.content_type,
                "size": media.size,
                "filename": media.filename,
                "status": media.status,
                "received_at": media.received_at.isoformat(),
                "content_base64": base64.b64encode(data).decode("ascii") if data else None,
            }
        )
    return exported
