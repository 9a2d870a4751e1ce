"""An urgent lead that was not one: a counsellor says so, and it stops counting as urgent.

The embedded classifier and the safety words are tuned to miss no crisis, so some alerts are
false ("je suis mort de rire", a friend's phone). Leaving them urgent would keep them at the
top of every queue and in the funders' "urgences" count. The mark is recorded in the lead's
history and the audit log, with who made it; the lead keeps what happened (``urgency``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.leads.queue import visible_lead
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.errors import ConflictError
from outreach_bot.storage.models import LeadEvent

logger = logging.getLogger(__name__)

FALSE_ALARM: Final = "false_alarm"
"""The history event's kind and the audit action."""


async def mark_false_alarm(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int
) -> bool:
    """Mark an urgent lead as a false alarm; True if ``account`` still sees it afterwards.

    An urgent lead is open to every counsellor; once it is ordinary, only its sector's see it,
    so the page knows where to go next.

    Raises:
        ConflictError: the lead is not urgent (never was, or marked already).
        NotFoundError: no such lead, or not visible to ``account``.
    """
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await visible_lead(session, account, lead_id)
        if not lead.urgent:
            raise ConflictError("ce contact n'est pas une urgence (ou plus : déjà marqué)")
        lead.urgent = False
        lead.false_alarm_at = now
        lead.updated_at = now
        session.add(LeadEvent(lead_id=lead_id, user_id=account.id, kind=FALSE_ALARM, at=now))
        await _audit(session, account, lead_id)
        still_visible = account.can_see(lead.sector_id, urgent=False)
    logger.info("lead %s marked a false alarm by user %s", lead_id, account.id)
    return still_visible


async def _audit(session: AsyncSession, account: Account, lead_id: int) -> None:
    await record_access(
        session,
        actor=account.email,
        user_id=account.id,
        action=FALSE_ALARM,
        target_type="lead",
        target_id=str(lead_id),
    )
