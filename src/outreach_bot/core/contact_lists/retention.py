"""The purge of a contact list at its date: the people who never answered are erased.

Run by the daily purge (``core/privacy/purge.py``). A row whose person answered stays with
their lead and follows the ordinary retention; every other row goes, with the SMS
conversation the campaign opened for it (the message sent, a STOP, a "c'est pas moi"). The
list keeps its name, dates and anonymous counts (``figures_at_purge``), so the campaign's
figures do not shrink; the do-not-contact hashes stay (``blocklist``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.core.conversation.service import erase_conversation
from outreach_bot.core.figures.lists import ROW_METRICS, row_counts
from outreach_bot.domain.contact_lists import ListStatus, RowStatus
from outreach_bot.storage.models import ContactList, ContactListRow, Lead

logger = logging.getLogger(__name__)


async def purge_lists(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Erase the never-answered rows of every list whose date has come; rows erased."""
    due = list(
        await session.scalars(
            select(ContactList)
            .where(ContactList.purge_on <= today, ContactList.purged_at.is_(None))
            .with_for_update(skip_locked=True)
        )
    )
    erased = 0
    for contact_list in due:
        erased += await erase_list(session, contact_list, now=now)
    return erased


async def erase_list(session: AsyncSession, contact_list: ContactList, *, now: datetime) -> int:
    """Erase a list's never-answered rows now (its date has come, or the team asked); the
    list keeps its anonymous counts. Rows erased."""
    erased = 0
    if contact_list.purged_at is None:
        counts = (await row_counts(session, [contact_list.id])).get(contact_list.id)
        kept = dict(contact_list.figures_at_purge or {})
        for metric in ROW_METRICS:
            kept[metric] = kept.get(metric, 0) + (counts[metric] if counts else 0)
        erased += await _erase_silent_rows(session, contact_list.id, now)
        # What stays (the rows of people who answered) is counted again from the rows.
        remaining = (await row_counts(session, [contact_list.id])).get(contact_list.id)
        for metric in ROW_METRICS:
            kept[metric] -= remaining[metric] if remaining else 0
        contact_list.figures_at_purge = kept
        contact_list.purged_at = now
        contact_list.status = ListStatus.PURGED
        logger.info("contact list %s purged", contact_list.id)
    return erased


async def _erase_silent_rows(session: AsyncSession, list_id: int, now: datetime) -> int:
    """Erase a list's rows whose person never answered, and the conversations opened for
    them that hold no lead (a young person who wrote to us otherwise keeps their data)."""
    rows = (
        await session.execute(
            select(
                ContactListRow.id,
                ContactListRow.conversation_id,
                ContactListRow.representative_conversation_id,
            ).where(
                ContactListRow.list_id == list_id,
                ContactListRow.status != RowStatus.ANSWERED,
            )
        )
    ).all()
    conversations = {c for _, own, rep in rows for c in (own, rep) if c is not None}
    with_lead = (
        set(
            await session.scalars(
                select(Lead.conversation_id).where(Lead.conversation_id.in_(conversations))
            )
        )
        if conversations
        else set()
    )
    for conversation_id in sorted(conversations - with_lead):
        await erase_conversation(session, conversation_id, actor="purge", now=now)
    await session.execute(
        delete(ContactListRow).where(ContactListRow.id.in_([row_id for row_id, _, _ in rows]))
    )
    return len(rows)
