"""Re-engagement: one gentle message to an open lead silent for two weeks, twice at most.

Every ``PLAN_EVERY`` the scheduler runs :meth:`Reengagement.plan`: an open lead whose young
person has written nothing for :data:`SILENCE` gets one message; if two weeks more pass in
silence, a second one; two weeks after that, still nothing, the counsellor is told and the
lead is proposed for closing (its next action set to that day). Nothing goes to someone who
said STOP, whose lead is closed, who has an appointment planned, or who is talking with a
counsellor right now (checked again when the message is due). Answering, at any point,
starts the count again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.content import Content
from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.schedule import Scheduler, schedule
from outreach_bot.domain.leads import CLOSED_STATUSES
from outreach_bot.domain.places import team_today
from outreach_bot.storage.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    Lead,
    LeadEvent,
    ScheduledMessage,
    ScheduledStatus,
)

logger = logging.getLogger(__name__)

KIND: Final = "reengage"
SILENCE: Final = timedelta(days=14)
MAX_MESSAGES: Final = 2
EXHAUSTED: Final = "reengage_exhausted"
"""The lead event (and team event) when two re-engagements went unanswered."""
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    "reengage_first": frozenset(),
    "reengage_second": frozenset(),
}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Reengagement:
    """Plans re-engagement messages and checks them again when they fall due."""

    def __init__(self, scheduler: Scheduler, content: Content, events: EventBus) -> None:
        content.require_messages(MESSAGE_KEYS)
        self._events = events
        scheduler.guard(KIND, self.still_wanted)
        scheduler.planner(self.plan)

    async def plan(self, session: AsyncSession, now: datetime) -> list[TeamEvent]:
        """Schedule what two weeks of silence call for; the team events to publish."""
        since_answer = and_(
            ScheduledMessage.lead_id == Lead.id,
            ScheduledMessage.kind == KIND,
            ScheduledMessage.created_at > Conversation.last_message_at,
        )
        sent = (
            select(func.count())
            .where(since_answer, ScheduledMessage.status == ScheduledStatus.SENT)
            .scalar_subquery()
        )
        last_sent = (
            select(func.max(ScheduledMessage.done_at))
            .where(since_answer, ScheduledMessage.status == ScheduledStatus.SENT)
            .scalar_subquery()
        )
        waiting = exists().where(since_answer, ScheduledMessage.status == ScheduledStatus.PENDING)
        meeting = exists().where(
            Appointment.lead_id == Lead.id, Appointment.status == AppointmentStatus.PLANNED
        )
        told = exists().where(
            LeadEvent.lead_id == Lead.id,
            LeadEvent.kind == EXHAUSTED,
            LeadEvent.at > Conversation.last_message_at,
        )
        rows = await session.execute(
            select(Lead, Conversation, sent, last_sent)
            .join(Conversation, Conversation.id == Lead.conversation_id)
            .where(
                Lead.status.not_in(CLOSED_STATUSES),
                Conversation.opted_out.is_(False),
                Conversation.unreachable.is_(False),
                Conversation.channel.in_(QUEUED_CHANNELS),
                Conversation.last_message_at <= now - SILENCE,
                ~waiting,
                ~told,
                ~meeting,
            )
            # Two workers planning at once: the second skips the leads the first is on.
            .with_for_update(of=Lead, skip_locked=True)
        )
        events: list[TeamEvent] = []
        for lead, conversation, count, last in rows:
            quiet_since = _aware(last) if last is not None else None
            if quiet_since is not None and now - quiet_since < SILENCE:
                continue
            if count < MAX_MESSAGES:
                key = "reengage_first" if count == 0 else "reengage_second"
                await schedule(
                    session,
                    conversation.id,
                    kind=KIND,
                    due_at=now,
                    message=key,
                    lead_id=lead.id,
                    now=now,
                )
                continue
            lead.next_action_on = team_today(now)
            lead.updated_at = now
            session.add(LeadEvent(lead_id=lead.id, kind=EXHAUSTED, at=now))
            events.append(
                TeamEvent(EXHAUSTED, conversation.id, lead.id, lead.sector_id, urgent=lead.urgent)
            )
            logger.info("lead %s: two re-engagements unanswered, closing proposed", lead.id)
        return events

    async def still_wanted(
        self,
        session: AsyncSession,
        item: ScheduledMessage,
        conversation: Conversation,
        now: datetime,
    ) -> str | None:
        """At send time: the lead still open, no live takeover, and still no answer."""
        lead = await session.get(Lead, item.lead_id) if item.lead_id else None
        if lead is None or lead.status in CLOSED_STATUSES:
            return "lead closed"
        meeting = await session.scalar(
            select(Appointment.id)
            .where(
                Appointment.lead_id == lead.id,
                Appointment.status == AppointmentStatus.PLANNED,
            )
            .limit(1)
        )
        if meeting is not None:
            return "appointment planned"
        until = conversation.takeover_until
        if until is not None and _aware(until) > now:
            return "counsellor talking"
        if _aware(conversation.last_message_at) > _aware(item.created_at):
            return "answered meanwhile"
        return None
