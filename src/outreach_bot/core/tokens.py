"""API bearer tokens: shown once at creation, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import ApiToken


def _hash(token: str) -> str:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(sessions: async_sessionmaker[AsyncSession], name: str) -> str:
    """Create a token named ``name`` and return it; it cannot be read back later."""
    name = name.strip()
    if not name or len(name) > 100:  # noqa: PLR2004 - column size
        raise InvalidInputError("a token needs a name of 1 to 100 characters")
    token = "ob_" + secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        session.add(ApiToken(name=name, token_hash=_hash(token)))
    return token


async def authenticate(session: AsyncSession, token: str) -> ApiToken | None:
    """The live token matching ``token``, touching its last-use time."""
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked.is_(False))
    )
    if row is not None:
        row.last_used_at = datetime.now(UTC)
    return row
