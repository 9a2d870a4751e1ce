"""The network's key figures, as funders count them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.domain.leads import MOBILISED_STATUSES
from outreach_bot.storage.models import Campaign, Consent, Conversation, Lead


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """identified = distinct young people who started a conversation; mobilised = leads that
    reached an appointment or were mobilised; interventions = campaigns (events) held."""

    identified: int
    consents: int
    leads: int
    urgent: int
    mobilised: int
    interventions: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return asdict(self)


def _between(
    query: Select[Any], column: Any, since: datetime | None, until: datetime | None
) -> Select[Any]:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


async def key_figures(
    session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None
) -> KeyFigures:
    """Figures over ``[since, until)``; both open-ended when None."""

    async def count(query: Select[Any], column: Any) -> int:
        return int(await session.scalar(_between(query, column, since, until)) or 0)

    return KeyFigures(
        identified=await count(select(func.count(Conversation.id)), Conversation.created_at),
        consents=await count(select(func.count(Consent.id)), Consent.given_at),
        leads=await count(select(func.count(Lead.id)), Lead.created_at),
        urgent=await count(
            select(func.count(Lead.id)).where(Lead.urgent.is_(True)), Lead.created_at
        ),
        mobilised=await count(
            select(func.count(Lead.id)).where(Lead.status.in_(MOBILISED_STATUSES)),
            Lead.status_changed_at,
        ),
        interventions=await count(select(func.count(Campaign.id)), Campaign.created_at),
    )
