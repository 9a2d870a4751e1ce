"""A counsellor's export of their sectors' leads (the queue's filters), for a spreadsheet.

Personal data leaves the back office here, so it is the narrowest door that does the job: my
sectors only (every sector for coordinators and admins), never another sector's urgent lead,
and one audit line per file saying who took how many rows, in the transaction that read them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.leads.queue import LeadFilter, LeadView, list_leads, queue_query
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account, staff_labels

logger = logging.getLogger(__name__)

MAX_EXPORT: Final = 20_000
"""Rows of one file: far above a sector's leads over the retention period (12 months)."""
AUDIT_ACTION: Final = "export_csv"
AUDIT_TARGET: Final = "leads"
"""The audit line's target: ``leads``, with the number of rows as its id."""


@dataclass(frozen=True, slots=True)
class LeadExport:
    """The leads of one export, in the queue's order, and who follows each (by user id)."""

    leads: list[LeadView]
    followers: dict[int, str]


async def export_leads(
    sessions: async_sessionmaker[AsyncSession], account: Account, filters: LeadFilter
) -> LeadExport:
    """The leads of ``account``'s sectors that ``filters`` keep; audited with the row count.

    Raises:
        PermissionDeniedError: the role does not work on leads (outreach staff, funders).
    """
    query, rest = queue_query(
        account, replace(filters, limit=MAX_EXPORT, offset=0), own_sectors=True
    )
    async with sessions.begin() as session:
        views = await list_leads(session, rest, base=query)
        followers = await staff_labels(
            session, {view.lead.claimed_by for view in views if view.lead.claimed_by}
        )
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action=AUDIT_ACTION,
            target_type=AUDIT_TARGET,
            target_id=str(len(views)),
        )
    logger.info("user %s exported %s leads", account.id, len(views))
    return LeadExport(views, followers)
