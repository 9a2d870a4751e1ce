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

from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
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
    async with sessions.begin() as session:
        _, token = await add_token(session, name, sectors or [])
    return token


async def add_token(session: AsyncSession, name: str, sectors: list[str]) -> tuple[int, str]:
    """:func:`create_token` in the caller's transaction; returns the new row's id and the token."""
    name = name.strip()
    if not name or len(name) > 100:  # noqa: PLR2004 - column size
        raise InvalidInputError("Un jeton a un nom de 1 à 100 caractères.")
    token = "ob_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=_hash(token))
    session.add(row)
    await session.flush()
    for code in sector_codes(sectors):
        sector_id = await session.scalar(select(Sector.id).where(Sector.code == code))
        if sector_id is None:
            raise InvalidInputError(f"Secteur inconnu : {code!r}.")
        session.add(ApiTokenSector(token_id=row.id, sector_id=sector_id))
    return row.id, token


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


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as the admin's list shows it: never the token itself, which is not kept."""

    id: int
    name: str
    sector_names: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


async def list_tokens(session: AsyncSession) -> list[TokenRow]:
    """Every token, live ones first, newest first; with the names of the sectors it is bound to."""
    tokens = list(
        await session.scalars(
            select(ApiToken).order_by(ApiToken.revoked, ApiToken.created_at.desc())
        )
    )
    scopes: dict[int, list[str]] = {}
    rows = await session.execute(
        select(ApiTokenSector.token_id, Sector.name)
        .join(Sector, Sector.id == ApiTokenSector.sector_id)
        .order_by(Sector.name)
    )
    for token_id, sector_name in rows:
        scopes.setdefault(token_id, []).append(sector_name)
    return [
        TokenRow(
            token.id,
            token.name,
            tuple(scopes.get(token.id, ())),
            token.created_at,
            token.last_used_at,
            token.revoked,
        )
        for token in tokens
    ]


async def revoke_token(session: AsyncSession, token_id: int) -> str:
    """Revoke a token for good (its next request gets 401); returns its name.

    Raises:
        NotFoundError: no such token.
        ConflictError: it was revoked already.
    """
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"token {token_id} not found")
    if token.revoked:
        raise ConflictError(f"Le jeton « {token.name} » est déjà révoqué.")
    token.revoked = True
    return token.name
