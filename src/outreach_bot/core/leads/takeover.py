"""A crisis guessed while a counsellor holds the conversation: the counsellor first, the bot after.

During a takeover the young person is talking to a person. When the classifier (not the safety
net's certain words) reads a message as a crisis, a crisis text from the bot in the middle of
that conversation may be wrong and drives people away; so the bot says nothing and the
counsellor who holds the conversation is alerted at once, unmistakably: the red banner on every
back-office page, with its sound and notification, names this conversation
(:func:`crisis_waiting`), and the lead is marked urgent.

If nobody on the team has written to the young person within ``takeover_crisis_minutes``, the
bot sends the crisis text it kept back, day and night (a crisis does not wait for the quiet
hours): a :data:`CRISIS_CHECK` row of the scheduler, whose guard (:func:`unanswered`) drops it
as soon as a counsellor has written. Certain words never wait: the bot gives the numbers at once
(:meth:`outreach_bot.dialogue.engine.DialogueEngine._crisis`).

When the counsellor hands the conversation back, the young person is told that the bot answers
again (:func:`tell_bot_is_back`), so that the next answer coming from a bot is no surprise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.core.schedule import schedule
from outreach_bot.storage.models import (
    Author,
    Conversation,
    Lead,
    Message,
    ScheduledMessage,
    ScheduledStatus,
)

CRISIS_CHECK: Final = "crisis_check"
"""The scheduler kind of the crisis text kept back during a takeover."""
HANDED_BACK: Final = "handed_back"
"""The scheduler kind (and ``bot/`` message key) of "the bot answers you again"."""
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {HANDED_BACK: frozenset()}


async def hold_crisis_text(
    session: AsyncSession,
    conversation: Conversation,
    *,
    text: str,
    lead_id: int | None,
    wait: timedelta,
    now: datetime,
) -> ScheduledMessage:
    """Keep ``text`` to send after ``wait`` unless a counsellor writes first; a second worrying
    message meanwhile keeps the first one's time (one text, not two)."""
    waiting = await session.scalar(
        select(ScheduledMessage).where(
            ScheduledMessage.conversation_id == conversation.id,
            ScheduledMessage.kind == CRISIS_CHECK,
            ScheduledMessage.status == ScheduledStatus.PENDING,
        )
    )
    if waiting is not None:
        return waiting
    return await schedule(
        session,
        conversation.id,
        kind=CRISIS_CHECK,
        due_at=now + wait,
        text=text,
        lead_id=lead_id,
        now=now,
    )


async def unanswered(
    session: AsyncSession, item: ScheduledMessage, conversation: Conversation, now: datetime
) -> str | None:
    """The scheduler's guard: send only if no counsellor has written since the crisis."""
    answered = await session.scalar(
        select(
            exists().where(
                Message.conversation_id == conversation.id,
                Message.author == Author.COUNSELLOR,
                Message.created_at >= item.created_at,
            )
        )
    )
    return "a counsellor answered" if answered else None


async def crisis_waiting(session: AsyncSession, user_id: int) -> list[tuple[int, datetime]]:
    """(lead id, since when) of each conversation this counsellor holds where a crisis waits for
    their answer, newest first: the alert banner shows them to that counsellor."""
    rows = await session.execute(
        select(Lead.id, ScheduledMessage.created_at)
        .join(Conversation, Conversation.id == ScheduledMessage.conversation_id)
        .join(Lead, Lead.id == ScheduledMessage.lead_id)
        .where(
            ScheduledMessage.kind == CRISIS_CHECK,
            ScheduledMessage.status == ScheduledStatus.PENDING,
            Conversation.takeover_by == user_id,
        )
        .order_by(ScheduledMessage.created_at.desc())
    )
    return [(lead_id, since) for lead_id, since in rows]


async def tell_bot_is_back(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> ScheduledMessage:
    """Schedule "the bot answers you again" for now, in the caller's transaction.

    It belongs to the conversation, not to the lead: closing the lead right after handing back
    (the usual end of a follow-up) must not cancel it; STOP and an erasure still do.
    """
    return await schedule(
        session, conversation.id, kind=HANDED_BACK, due_at=now, message=HANDED_BACK, now=now
    )


async def bot_in_charge(
    session: AsyncSession, item: ScheduledMessage, conversation: Conversation, now: datetime
) -> str | None:
    """The scheduler's guard for :data:`HANDED_BACK`: only while the bot holds the
    conversation, and only if the young person has not written since (the bot answered them,
    which says it better). Held by the quiet hours, it may otherwise come too late."""
    until = conversation.takeover_until
    if until is not None and _aware(until) > now:
        return "a counsellor holds the conversation again"
    if _aware(conversation.last_message_at) > _aware(item.created_at):
        return "the young person wrote since"
    return None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
