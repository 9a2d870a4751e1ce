"""Retention: erase what we no longer need, on schedule (``outreach-bot purge``).

Defaults follow the CNIL's guidance for support services: transcripts of conversations that
never became a lead go after 90 days without activity; a lead and everything about the
person go 12 months after the last exchange (configurable). The files a person sent go with
their conversation; a file sent before consent and never consented to goes after
``media_hold_days`` (7 by default).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.contact_lists.retention import purge_lists
from outreach_bot.core.conversation.service import erase_conversation
from outreach_bot.core.media import purge_held
from outreach_bot.storage.models import (
    Conversation,
    Lead,
    OutboxItem,
    OutboxStatus,
    UnderstoodGap,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How much was erased."""

    conversations: int
    gaps: int
    outbox: int
    list_rows: int = 0
    held_media: int = 0


async def purge(
    sessions: async_sessionmaker[AsyncSession],
    *,
    transcript_days: int,
    retention_days: int,
    media_hold_days: int = 7,
    now: datetime | None = None,
) -> PurgeReport:
    """Erase conversations past their retention (their files with them), old quality-loop
    texts, sent outbox rows, files that waited for a consent that never came, and the
    never-answered rows of contact lists whose date has come."""
    now = now or datetime.now(UTC)
    transcript_cutoff = now - timedelta(days=transcript_days)
    retention_cutoff = now - timedelta(days=retention_days)
    has_lead = exists().where(Lead.conversation_id == Conversation.id)
    async with sessions.begin() as session:
        stale = select(Conversation.id).where(
            (Conversation.last_message_at < retention_cutoff)
            | ((Conversation.last_message_at < transcript_cutoff) & ~has_lead)
        )
        # Contact lists first: their date may come before the conversations' retention.
        list_rows = await purge_lists(session, today=now.date(), now=now)
        # Another purge running at the same moment (a second worker, a second cron) skips
        # the conversations this one holds, so none is tallied or audited twice. SQLite has
        # one writer and ignores the clause.
        ids = list(await session.scalars(stale.with_for_update(skip_locked=True)))
        for conversation_id in ids:
            await erase_conversation(session, conversation_id, actor="purge", now=now)
        gaps = await _delete(
            session, delete(UnderstoodGap).where(UnderstoodGap.created_at < transcript_cutoff)
        )
        held = await purge_held(session, now - timedelta(days=media_hold_days))
        outbox = await _delete(
            session,
            delete(OutboxItem).where(
                OutboxItem.status.in_(
                    [
                        OutboxStatus.SENT,
                        OutboxStatus.DELIVERED,
                        OutboxStatus.READ,
                        OutboxStatus.CANCELLED,
                    ]
                ),
                OutboxItem.created_at < transcript_cutoff,
            ),
        )
    logger.info(
        "purge erased %s conversations, %s gaps, %s outbox rows, %s held files, "
        "%s contact list rows",
        len(ids),
        gaps,
        outbox,
        held,
        list_rows,
    )
    return PurgeReport(
        conversations=len(ids), gaps=gaps, outbox=outbox, held_media=held, list_rows=list_rows
    )


async def _delete(session: AsyncSession, statement: object) -> int:
    result = await session.execute(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)
