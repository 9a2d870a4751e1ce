"""Server-side back-office sessions: a cookie is only as good as its row here.

The encrypted cookie alone cannot be taken back: a copy made before logout would keep working
until it expires. So the cookie carries a random session id, and this table says which ids are
still open. Logout deletes one row; a password change or a deactivation deletes all of a
user's rows, which signs every browser of that person out on its next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.storage.models import AdminSession


def _hash(session_id: str) -> str:
    # 256 random bits: a plain SHA-256 is enough, and a database dump opens no session.
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_session(
    session: AsyncSession, user_id: int, *, idle: timedelta, now: datetime | None = None
) -> str:
    """Record a new session for ``user_id`` and return its id (for the cookie only).

    Sessions idle for longer than ``idle`` are swept at the same time: their cookies have
    expired anyway, so the table stays as small as the number of people signed in.
    """
    now = now or datetime.now(UTC)
    await session.execute(delete(AdminSession).where(AdminSession.seen_at < now - idle))
    session_id = secrets.token_urlsafe(32)
    session.add(
        AdminSession(id_hash=_hash(session_id), user_id=user_id, created_at=now, seen_at=now)
    )
    return session_id


async def session_user(
    session: AsyncSession,
    session_id: str,
    *,
    idle: timedelta,
    touch: bool = False,
    now: datetime | None = None,
) -> int | None:
    """The user of an open session, or None if it was closed, revoked or left idle too long.

    ``touch`` records activity (the caller does it about once a minute, not on every request).
    """
    now = now or datetime.now(UTC)
    row = await session.get(AdminSession, _hash(session_id))
    if row is None or _aware(row.seen_at) < now - idle:
        return None
    if touch:
        await session.execute(
            update(AdminSession).where(AdminSession.id_hash == row.id_hash).values(seen_at=now)
        )
    return row.user_id


async def close_session(session: AsyncSession, session_id: str) -> None:
    """Sign one browser out: its cookie, and any copy of it, stops working."""
    await session.execute(delete(AdminSession).where(AdminSession.id_hash == _hash(session_id)))


async def revoke_sessions(session: AsyncSession, user_id: int) -> int:
    """Sign ``user_id`` out everywhere; returns how many sessions were open."""
    result = await session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def open_session_count(session: AsyncSession, user_id: int) -> int:
    """How many sessions ``user_id`` has open (for tests and the CLI's report)."""
    rows = await session.scalars(
        select(AdminSession.id_hash).where(AdminSession.user_id == user_id)
    )
    return len(list(rows))


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
