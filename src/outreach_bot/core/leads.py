"""Reading leads for the team: one view shared by the JSON API and the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.domain.errors import NotFoundError
from outreach_bot.storage.models import Campaign, Consent, Lead, Sector


@dataclass(frozen=True, slots=True)
class LeadFilter:
    """Queue filters; ``sector_ids`` None means every sector (admins, API tokens)."""

    status: str | None = None
    sector_code: str | None = None
    campaign_code: str | None = None
    sector_ids: frozenset[int] | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class LeadView:
    """A lead with what the team needs to act on it, ready to render or serialise."""

    lead: Lead
    sector: Sector | None
    campaign: Campaign | None
    consent: Consent | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form promised by the API contract."""
        lead = self.lead
        return {
            "id": lead.id,
            "first_name": lead.first_name,
            "phone": lead.phone,
            "contact_here": lead.contact_here,
            "channel": lead.channel,
            "age": lead.age,
            "commune": lead.commune_name,
            "commune_insee": lead.commune_insee,
            "sector": self.sector.code if self.sector else None,
            "campaign": self.campaign.code if self.campaign else None,
            "status": lead.status,
            "urgent": lead.urgent,
            "topic": lead.topic,
            "need": lead.need,
            "availability": lead.availability,
            "created_at": _iso(lead.created_at),
            "consent": (
                {
                    "given_at": _iso(self.consent.given_at),
                    "text_version": self.consent.text_version,
                    "channel": self.consent.channel,
                }
                if self.consent
                else None
            ),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _query() -> Any:
    return (
        select(Lead, Sector, Campaign, Consent)
        .outerjoin(Sector, Lead.sector_id == Sector.id)
        .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
        .outerjoin(Consent, Lead.consent_id == Consent.id)
    )


async def list_leads(session: AsyncSession, filters: LeadFilter) -> list[LeadView]:
    """Leads for the queue: urgent first, then oldest first."""
    query = _query()
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.sector_code:
        query = query.where(Sector.code == filters.sector_code)
    if filters.campaign_code:
        query = query.where(Campaign.code == filters.campaign_code.upper())
    if filters.sector_ids is not None:
        query = query.where(Lead.sector_id.in_(filters.sector_ids))
    query = query.order_by(Lead.urgent.desc(), Lead.created_at, Lead.id)
    rows = await session.execute(query.limit(filters.limit).offset(filters.offset))
    return [LeadView(*row) for row in rows]


async def get_lead(
    session: AsyncSession, lead_id: int, *, sector_ids: frozenset[int] | None = None
) -> LeadView:
    """One lead, if it exists and the caller's sectors cover it.

    Raises:
        NotFoundError: no such lead, or not visible to the caller (same answer, so ids
            of other sectors cannot be probed).
    """
    row = (await session.execute(_query().where(Lead.id == lead_id))).first()
    if row is None or (sector_ids is not None and row[0].sector_id not in sector_ids):
        raise NotFoundError(f"lead {lead_id} not found")
    return LeadView(*row)
