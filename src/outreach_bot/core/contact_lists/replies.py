"""What an answer to a contact list's first message changes.

The answer lands in the ordinary dialogue (``core/conversation/service.py`` asks
:func:`first_contact_waiting` in the read every message starts with, so an ordinary turn costs
nothing more). Then, in the same transaction: an answer marks the row answered and opens a
lead in the sector's queue, marked with the list's campaign, from what the list already holds
(no consent question: the list's legal basis covers it, ``docs/privacy.md``); "c'est pas moi"
marks the row a wrong number and blocks that number for every list; a STOP was already
recorded by the do-not-contact list.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement, exists

from outreach_bot.core.contact_lists.blocklist import block
from outreach_bot.core.schedule import cancel_pending
from outreach_bot.dialogue.turn import LeadDraft
from outreach_bot.domain.contact_lists import RowStatus
from outreach_bot.storage.models import ContactListRow, Conversation

logger = logging.getLogger(__name__)


def _of_conversation(conversation_id: object) -> object:
    return or_(
        ContactListRow.conversation_id == conversation_id,
        ContactListRow.representative_conversation_id == conversation_id,
    )


def first_contact_waiting() -> ColumnElement[bool]:
    """A column for the conversation's own query: was a list's first message sent to it, and
    not answered yet?

    Two EXISTS, each on its own index (the young person's conversation, the representative's),
    rather than one OR that would read the whole table on every message anyone sends.
    """
    return or_(
        exists().where(
            ContactListRow.conversation_id == Conversation.id,
            ContactListRow.status == RowStatus.SENT,
        ),
        exists().where(
            ContactListRow.representative_conversation_id == Conversation.id,
            ContactListRow.status == RowStatus.SENT,
        ),
    )


async def waiting_row(session: AsyncSession, conversation_id: int) -> ContactListRow | None:
    """The list row whose first message this conversation has not answered."""
    return await session.scalar(
        select(ContactListRow)
        .where(
            _of_conversation(conversation_id),  # type: ignore[arg-type]
            ContactListRow.status == RowStatus.SENT,
        )
        .order_by(ContactListRow.id.desc())
        .limit(1)
    )


async def settle_answer(
    session: AsyncSession,
    row: ContactListRow,
    conversation: Conversation,
    *,
    wrong_number: bool,
    stopped: bool,
    now: datetime,
) -> LeadDraft | None:
    """Record the answer on the row; the lead to open, when the answer calls for one."""
    row.updated_at = now
    if stopped:
        return None  # the do-not-contact list marked the row already
    if wrong_number:
        row.status = RowStatus.WRONG_NUMBER
        await session.flush()
        await block(session, {conversation.sender_hash}, source="wrong_number", now=now)
        await cancel_pending(session, conversation.id, reason="wrong number", now=now)
        logger.info("contact list row %s: wrong number", row.id)
        return None
    row.status = RowStatus.ANSWERED
    row.answered_at = now
    logger.info("contact list row %s answered", row.id)
    born = date.fromisoformat(row.birth_date)
    today = now.astimezone(UTC).date()
    return LeadDraft(
        consent_at=None,
        urgent=False,
        topic=None,
        age=today.year - born.year - ((today.month, today.day) < (born.month, born.day)),
        first_name=row.first_name,
        phone=row.phone,
        contact_here=True,
        commune_insee=row.commune_insee,
        commune_name=row.commune_name,
    )
