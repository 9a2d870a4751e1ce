"""Campaigns: creating them with a safe, unique code."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.campaigns import normalise_code
from outreach_bot.domain.errors import ConflictError, InvalidInputError
from outreach_bot.storage.models import Campaign, Sector

MAX_NAME = 200


async def create_campaign(
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    *,
    name: str,
    sector: str | None = None,
    held_on: date | None = None,
    place: str = "",
    created_by: int | None = None,
) -> Campaign:
    """Create a campaign.

    Raises:
        InvalidInputError: a code that is not 3-32 letters, digits or inner hyphens; an empty
            name; an unknown sector.
        ConflictError: the code exists already (codes compare case-insensitively).
    """
    normalised = normalise_code(code)
    if normalised is None:
        raise InvalidInputError("a code has 3 to 32 letters, digits or inner hyphens, no spaces")
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInputError(f"a campaign needs a name of 1 to {MAX_NAME} characters")
    async with sessions.begin() as session:
        if await session.scalar(select(Campaign.id).where(Campaign.code == normalised)):
            raise ConflictError(f"campaign code {normalised} is taken")
        sector_id = None
        if sector:
            sector_id = await session.scalar(select(Sector.id).where(Sector.code == sector))
            if sector_id is None:
                raise InvalidInputError(f"unknown sector {sector!r}")
        campaign = Campaign(
            code=normalised,
            name=name,
            sector_id=sector_id,
            held_on=held_on,
            place=place.strip(),
            created_by=created_by,
        )
        session.add(campaign)
        await session.flush()
        return campaign
