"""Urgent leads nobody has taken yet: what every page of the back office shouts about.

An urgent lead is visible to everyone who works on leads, whatever their sectors
(:meth:`~outreach_bot.core.staff.accounts.Account.can_see`); it waits here until someone
takes it (its status leaves ``new``). Pages show the alert in red with a link straight to
the lead, and count it in the tab's title.

A crisis guessed in a conversation a counsellor holds is shown to that counsellor, in the same
red banner, until they write to the young person (:mod:`outreach_bot.core.leads.takeover`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.leads.takeover import crisis_waiting
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.leads import LeadStatus
from outreach_bot.storage.models import Author, Lead, Message

MAX_ALERTS: Final = 10
"""More than this many untaken urgent leads at once is said as a count, not a list."""
MAX_WORDS: Final = 280
"""The young person's words on a card: enough to know what is going on, not a transcript."""


@dataclass(frozen=True, slots=True)
class UrgentAlert:
    """One untaken urgent lead: enough to say what happened and link to it, no contact detail."""

    lead_id: int
    urgency: str | None
    first_name: str | None
    created_at: datetime
    held_by_me: bool = False
    """A crisis in a conversation this counsellor holds, waiting for their answer."""


async def urgent_waiting(
    sessions: async_sessionmaker[AsyncSession], account: Account
) -> list[UrgentAlert]:
    """The crises waiting for this counsellor's answer in conversations they hold, then the
    urgent leads still new, newest first; none for a role that does not work on leads."""
    if not account.works_on_leads:
        return []
    async with sessions() as session:
        held = await crisis_waiting(session, account.id)
        mine: list[UrgentAlert] = []
        for lead_id, since in held[:MAX_ALERTS]:
            lead = await session.get(Lead, lead_id)
            if lead is not None:
                mine.append(UrgentAlert(lead.id, lead.urgency, lead.first_name, since, True))
        rows = await session.execute(
            select(Lead.id, Lead.urgency, Lead.first_name, Lead.created_at)
            .where(Lead.urgent.is_(True), Lead.status == LeadStatus.NEW)
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(MAX_ALERTS)
        )
        shown = {alert.lead_id for alert in mine}
        return mine + [UrgentAlert(*row) for row in rows if row[0] not in shown]


async def last_words(session: AsyncSession, conversation_ids: set[int]) -> dict[int, str]:
    """The young person's latest message in each of these conversations, shortened."""
    if not conversation_ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.author == Author.YOUNG_PERSON,
        )
        .group_by(Message.conversation_id)
    )
    rows = await session.execute(
        select(Message.conversation_id, Message.text).where(Message.id.in_(latest))
    )
    words = {}
    for conversation_id, text in rows:
        if text and not text.startswith("/"):
            words[conversation_id] = text if len(text) <= MAX_WORDS else text[:MAX_WORDS] + "…"
    return words
