"""The audit log: who saw, exported or changed personal data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.staff.accounts import staff_labels
from outreach_bot.storage.models import AuditEntry


async def record_access(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    user_id: int | None = None,
) -> None:
    """Add one audit line in the caller's transaction (so it exists iff the action happened)."""
    session.add(
        AuditEntry(
            user_id=user_id,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
        )
    )


async def recent_entries(
    sessions: async_sessionmaker[AsyncSession],
    *,
    limit: int = 100,
    before_id: int | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> list[AuditEntry]:
    """The newest audit lines first, a page at a time (``before_id`` is the last one seen)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    async with sessions() as session:
        return list(await session.scalars(query))


async def names_in(
    sessions: async_sessionmaker[AsyncSession], entries: list[AuditEntry]
) -> dict[int, str]:
    """The names colleagues see of the people these entries mention: who acted, and the
    accounts acted upon."""
    people = {entry.user_id for entry in entries if entry.user_id is not None}
    people |= {
        int(entry.target_id)
        for entry in entries
        if entry.target_type == "user" and entry.target_id.isdigit()
    }
    async with sessions() as session:
        return await staff_labels(session, people)
