"""API bearer tokens: shown once at creation, stored only as a hash, optionally scoped.

A token created with sectors sees only those sectors' leads and figures, and may queue or
erase only within them. A token created without any keeps the meaning tokens always had:
every sector (a regional partner, the funder's dashboard).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import ApiToken, ApiTokenSector, Sector


@dataclass(frozen=True, slots=True)
class ApiClient:
    """Who is calling the API: the token's name and its sectors (None: every sector)."""

    name: str
    sector_ids: frozenset[int] | None


def _hash(token: str) -> str:
    # A plain SHA-256 suffices: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()


def sector_codes(values: list[str]) -> list[str]:
    """``--sector a --sector b,c`` → ``[a, b, c]``: repeatable and comma lists both work."""
    codes = [code.strip() for value in values for code in value.split(",")]
    return list(dict.fromkeys(code for code in codes if code))


async def create_token(
    sessions: async_sessionmaker[AsyncSession], name: str, sectors: list[str] | None = None
) -> str:
    """Create a token named ``name`` and return it; it cannot be read back later.

    Raises:
        InvalidInputError: no name, or an unknown sector code (nothing is created).
    """
    name = name.strip()
    if not name or len(name) > 100:  # noqa: PLR2004 - column size
        raise InvalidInputError("a token needs a name of 1 to 100 characters")
    token = "ob_" + secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        row = ApiToken(name=name, token_hash=_hash(token))
        session.add(row)
        await session.flush()
        for code in sector_codes(sectors or []):
            sector_id = await session.scalar(select(Sector.id).where(Sector.code == code))
            if sector_id is None:
                raise InvalidInputError(f"unknown sector {code!r}")
            session.add(ApiTokenSector(token_id=row.id, sector_id=sector_id))
    return token


async def authenticate(session: AsyncSession, token: str) -> ApiClient | None:
    """The caller behind a live token, touching its last-use time; None if unknown or revoked."""
    row = await session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked.is_(False))
    )
    if row is None:
        return None
    row.last_used_at = datetime.now(UTC)
    scoped = await session.scalars(
        select(ApiTokenSector.sector_id).where(ApiTokenSector.token_id == row.id)
    )
    sector_ids = frozenset(scoped)
    return ApiClient(row.name, sector_ids or None)
