""" "Envoyer plus tard": a counsellor writes now, the message leaves at the time they chose,
and what is still waiting is listed on the lead page, where it can be cancelled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.leads.queue import visible_lead
from outreach_bot.core.schedule import ScheduledContent, pending_for, schedule
from outreach_bot.core.staff.accounts import Account
from outreach_bot.core.staff.forms import spend_form_key
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.storage.models import (
    Conversation,
    LeadEvent,
    ScheduledMessage,
    ScheduledStatus,
)

logger = logging.getLogger(__name__)

LATER: Final = "later"
"""The scheduled-message kind of a counsellor's "send later"."""
KIND_LABELS: Final = {
    LATER: "Message programmé",
    "appointment": "Annonce du rendez-vous",
    "appointment_reminder": "Rappel de rendez-vous",
    "appointment_missed": "Message après une absence",
    "handed_back": "« Le bot te répond de nouveau » (conversation rendue au bot)",
}
"""How the lead page names what waits, in the team's language."""


@dataclass(frozen=True, slots=True)
class PendingView:
    """A scheduled message still waiting, as the lead page lists it."""

    id: int
    kind: str
    label: str
    due_at: datetime
    text: str | None
    """A counsellor's own text; None for the bot's reviewed texts."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _conversation(session: AsyncSession, lead_conversation: int | None) -> Conversation:
    conversation = (
        await session.get(Conversation, lead_conversation, with_for_update=True)
        if lead_conversation
        else None
    )
    if conversation is None or conversation.sender_ref is None:
        raise ConflictError("cette conversation n'existe plus")
    if conversation.channel not in QUEUED_CHANNELS:
        raise ConflictError("on ne peut pas écrire en premier sur ce canal : appelle la personne")
    if conversation.opted_out:
        raise ConflictError("cette personne a envoyé STOP : plus aucun message")
    return conversation


async def send_later(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    text: str,
    *,
    at: datetime,
    form_key: str = "",
    now: datetime | None = None,
) -> int:
    """Schedule a counsellor's message to the young person; returns the scheduled row's id.

    It leaves at ``at``, or at the next open moment of the sending rules after it, as the
    counsellor's own message (the bot then keeps quiet, as after any counsellor message).

    Raises:
        InvalidInputError: an empty or too long text, or a time already past.
        ConflictError: STOP, no way to write first on this channel, or a double submit.
        NotFoundError: no such lead in the account's sectors.
    """
    now = now or datetime.now(UTC)
    if at <= now:
        raise InvalidInputError("Choisis un moment à venir.")
    async with sessions.begin() as session:
        lead = await visible_lead(session, account, lead_id)
        conversation = await _conversation(session, lead.conversation_id)
        if not await spend_form_key(session, form_key, account.id):
            raise ConflictError("ce message est déjà programmé")
        row = await schedule(
            session,
            conversation.id,
            kind=LATER,
            due_at=at,
            text=text,
            lead_id=lead.id,
            created_by=account.id,
            now=now,
        )
        session.add(LeadEvent(lead_id=lead.id, user_id=account.id, kind="send_later", at=now))
        row_id = row.id
    logger.info("counsellor %s scheduled message %s for lead %s", account.id, row_id, lead_id)
    return row_id


async def cancel_scheduled(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    scheduled_id: int,
    *,
    now: datetime | None = None,
) -> None:
    """Cancel one waiting message of this lead (a reminder, a message programmed for later).

    Raises:
        NotFoundError: no such waiting message on this lead in the account's sectors.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await visible_lead(session, account, lead_id)
        row = await session.get(ScheduledMessage, scheduled_id, with_for_update=True)
        if (
            row is None
            or row.conversation_id != lead.conversation_id
            or row.status != ScheduledStatus.PENDING
        ):
            raise NotFoundError(f"scheduled message {scheduled_id}")
        row.status = ScheduledStatus.CANCELLED
        row.reason = f"cancelled by user {account.id}"
        row.done_at = now
    logger.info("scheduled message %s cancelled by %s", scheduled_id, account.id)


async def waiting_for(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int
) -> list[PendingView]:
    """What waits to be sent to this lead's young person, soonest first."""
    async with sessions() as session:
        lead = await visible_lead(session, account, lead_id)
        if lead.conversation_id is None:
            return []
        rows = await pending_for(session, lead.conversation_id)
    return [
        PendingView(
            id=row.id,
            kind=row.kind,
            label=KIND_LABELS.get(row.kind, row.kind),
            due_at=_aware(row.due_at),
            text=ScheduledContent.from_json(row.payload).text,
        )
        for row in rows
    ]
