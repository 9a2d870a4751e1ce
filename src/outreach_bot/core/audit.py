"""The audit log: who saw, exported or changed personal data."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

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
