"""Which sector's queue a lead joins: its commune's, else its campaign's, else the fallback."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.domain.fields import commune_by_insee
from outreach_bot.storage.models import Campaign, Sector

#: Sectors created on a fresh database, so a lead always has a queue to land in.
DEFAULT_SECTORS: Final[tuple[tuple[str, str, list[str]], ...]] = (
    ("nord-meusien", "Nord Meusien", ["dep:55"]),
    ("hors-secteur", "Hors secteur", []),
)
FALLBACK_SECTOR: Final = "hors-secteur"
_SPECIFICITY: Final = {"insee": 4, "cp": 3, "arr": 2, "dep": 1}


def rule_score(rule: str, insee: str) -> int:
    """How specifically ``rule`` covers the commune ``insee`` (0: it does not)."""
    kind, _, value = rule.partition(":")
    commune = commune_by_insee(insee)
    if commune is None:
        return 0
    matches = {
        "insee": commune.insee == value,
        "cp": value in commune.postal_codes,
        "arr": commune.arrondissement == value,
        "dep": commune.department == value,
    }
    return _SPECIFICITY[kind] if matches.get(kind) else 0


async def ensure_default_sectors(session: AsyncSession) -> None:
    """Create the default sectors when none exist.

    Several processes start at once on a fresh database (``run --workers N``, or two
    machines): each may see no sector, so the insert skips a code another has just created
    instead of failing that process's start-up on the unique constraint.
    """
    if (await session.scalars(select(Sector.id).limit(1))).first() is not None:
        return
    rows = [{"code": code, "name": name, "rules": rules} for code, name, rules in DEFAULT_SECTORS]
    # The dialects are imported here: only a fresh database needs them, and the PostgreSQL
    # one alone took 50 ms of every start on SQLite.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415

        await session.execute(
            postgresql.insert(Sector).values(rows).on_conflict_do_nothing(index_elements=["code"])
        )
    else:
        from sqlalchemy.dialects import sqlite  # noqa: PLC0415

        await session.execute(
            sqlite.insert(Sector).values(rows).on_conflict_do_nothing(index_elements=["code"])
        )


async def sector_for(
    session: AsyncSession, insee: str | None, *, campaign_id: int | None = None
) -> Sector | None:
    """The sector a lead belongs to.

    The sector whose rules cover the commune ``insee`` best; when the commune is unknown (a
    crisis opens a lead before anyone asked where the person lives) or outside every sector,
    the sector of the campaign the conversation started from (the poster was put up in that
    sector's territory); else the fallback sector.
    """
    sectors = list(await session.scalars(select(Sector).order_by(Sector.id)))
    best: tuple[int, Sector | None] = (0, None)
    if insee:
        for sector in sectors:
            score = max((rule_score(rule, insee) for rule in sector.rules), default=0)
            if score > best[0]:
                best = (score, sector)
    if best[1] is not None:
        return best[1]
    if campaign_id is not None:
        campaign_sector = await session.scalar(
            select(Campaign.sector_id).where(Campaign.id == campaign_id)
        )
        match = next((sector for sector in sectors if sector.id == campaign_sector), None)
        if match is not None:
            return match
    return next((sector for sector in sectors if sector.code == FALLBACK_SECTOR), None)
