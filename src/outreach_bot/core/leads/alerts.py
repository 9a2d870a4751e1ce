"""Urgent leads nobody has taken yet: what every page of the back office shouts about.

An urgent lead is visible to everyone who works on leads, whatever their sectors
(:meth:`~outreach_bot.core.staff.accounts.Account.can_see`); it waits here until someone
takes it (its status leaves ``new``). Pages show the alert in red with a link straight to
the lead, and count it in the tab's title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


async def urgent_waiting(
    sessions: async_sessionmaker[AsyncSession], account: Account
) -> list[UrgentAlert]:
    """The urgent leads still new, newest first; none for a role that does not work on leads."""
    if not account.works_on_leads:
        return []
    async with sessions() as session:
        rows = await session.execute(
            select(Lead.id, Lead.urgency, Lead.first_name, Lead.created_at)
            .where(Lead.urgent.is_(True), Lead.status == LeadStatus.NEW)
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(MAX_ALERTS)
        )
        return [UrgentAlert(*row) for row in rows]


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
