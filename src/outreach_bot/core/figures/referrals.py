"""Referral figures: per partner and per month, proposed → agreed → accepted → outcome.

Counted from the referral rows themselves, which erasure and the purge strip of everything
personal but keep (dates, statuses, the partner): the figures never shrink when someone
exercises their rights. A referral counts in the month it was proposed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.figures.stats import Period
from outreach_bot.domain.referrals import ReferralStatus
from outreach_bot.domain.spreadsheet import csv_section
from outreach_bot.storage.models import PartnerOrganisation, Referral

CSV_HEADER: Final = (
    "Orientations",
    "Partenaire",
    "Mois",
    "Proposées",
    "Accord du jeune",
    "Acceptées par le partenaire",
    "Avec un résultat",
)
UNKNOWN_PARTNER: Final = "Partenaire supprimé"


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """One partner in one month."""

    partner: str
    month: str  # YYYY-MM
    proposed: int = 0
    agreed: int = 0
    accepted: int = 0
    with_outcome: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "partner": self.partner,
            "month": self.month,
            "proposed": self.proposed,
            "agreed": self.agreed,
            "accepted": self.accepted,
            "with_outcome": self.with_outcome,
        }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def referral_figures(
    sessions: async_sessionmaker[AsyncSession], period: Period
) -> list[ReferralRow]:
    """Counts per partner and month over ``period``, by month then partner name."""
    query = select(
        Referral.proposed_at,
        Referral.status,
        Referral.sent_at,
        Referral.partner_answered_at,
        Referral.outcome,
        PartnerOrganisation.name,
    ).outerjoin(PartnerOrganisation, Referral.organisation_id == PartnerOrganisation.id)
    if period.since is not None:
        query = query.where(Referral.proposed_at >= period.since)
    if period.until is not None:
        query = query.where(Referral.proposed_at < period.until)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    counts: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for proposed_at, status, sent_at, answered_at, outcome, name in rows:
        cell = counts[(_aware(proposed_at).strftime("%Y-%m"), name or UNKNOWN_PARTNER)]
        cell[0] += 1
        cell[1] += sent_at is not None
        cell[2] += answered_at is not None and status == ReferralStatus.ACCEPTED
        cell[3] += outcome is not None
    return [
        ReferralRow(partner, month, *values) for (month, partner), values in sorted(counts.items())
    ]


def referral_csv(rows: list[ReferralRow]) -> str:
    """The rows as a section to append to the figures CSV (same French conventions)."""
    return csv_section(
        CSV_HEADER,
        (
            [
                "Orientation",
                row.partner,  # typed by staff: csv_section defuses a formula
                f"{row.month[5:]}/{row.month[:4]}",
                row.proposed,
                row.agreed,
                row.accepted,
                row.with_outcome,
            ]
            for row in rows
        ),
    )
