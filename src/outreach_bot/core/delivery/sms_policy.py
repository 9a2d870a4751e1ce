"""SMS rules the core applies: when the bot may text, how much per day, and what was delivered.

Three concerns, each enforced where it cannot be bypassed:

* **Quiet hours** are no longer SMS-only: :mod:`outreach_bot.core.delivery.rules` holds them
  for every channel (``services.send_policies["sms"]`` is that module's rules).
* **Daily cost guard** (:class:`DailyLimit`): at most ``OUTREACH_SMS_DAILY_LIMIT`` SMS per
  conversation per Paris day. Crossing it hands the conversation to the team once (a
  ``cost_limit`` team event, and one short notice to the young person so they know a person
  will answer); the bot's later replies that day are cancelled. That notice and the safety
  messages (crisis numbers, the STOP and erase confirmations) always go out, beyond the limit.
  The scheduler asks it too (:meth:`DailyLimit.has_room`) before a scheduled SMS.
* **Delivery status** (:func:`record_delivery_status`): the provider's callback moves an outbox
  row to delivered or failed, so the team can see a number that never receives anything.

:class:`SmsInbox` is what the provider webhooks call, whichever provider is configured.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.conversation.service import ConversationService, InboundResult
from outreach_bot.core.delivery.outbox import decode, enqueue
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.leads import CLOSED_STATUSES
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Author,
    Conversation,
    Direction,
    Lead,
    Message,
    OutboxItem,
    OutboxStatus,
)

logger = logging.getLogger(__name__)

CHANNEL: Final = "sms"
PARIS: Final = ZoneInfo("Europe/Paris")
COST_LIMIT_REASON: Final = "daily SMS limit reached"
COST_LIMIT_EVENT: Final = "cost_limit"
HANDOFF_MESSAGE: Final = "sms_handoff"
#: Messages the guard never holds back: safety first, and a STOP must be confirmed.
ALWAYS_SENT_MESSAGES: Final = ("crisis_followup", "opt_out_done", "erase_done", HANDOFF_MESSAGE)
#: Outbox rows counted against the day's budget once they went out.
SENT_STATUSES: Final = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED)


def day_start(now: datetime, zone: ZoneInfo = PARIS) -> datetime:
    """Midnight of ``now``'s Paris day, in UTC: the budget resets then."""
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def _skipped(item: OutboxItem) -> bool:
    """A row declined at send time, or cancelled, for the budget: it cost nothing."""
    if item.status == OutboxStatus.CANCELLED:
        return True  # only those of the budget are read
    return item.status == OutboxStatus.SENT and item.segments == 0 and not item.provider_message_id


# The budget's queries run for nearly every SMS, in and out: each is built once, its values
# bound parameters, since building one cost about as much CPU as running it.


@functools.cache
def _sent_today(*, by_sender: bool) -> Select[int]:
    """Counts the SMS that went out (and were paid for) since ``since`` (Paris midnight), to
    one conversation or (``by_sender``) to one number across its conversations."""
    query = select(func.count(OutboxItem.id)).where(
        OutboxItem.channel == CHANNEL,
        OutboxItem.status.in_(SENT_STATUSES),
        OutboxItem.sent_at >= bindparam("since"),
        or_(OutboxItem.segments.is_(None), OutboxItem.segments > 0),
    )
    if by_sender:
        return query.join(Conversation, Conversation.id == OutboxItem.conversation_id).where(
            Conversation.channel == CHANNEL, Conversation.sender_hash == bindparam("sender_hash")
        )
    return query.where(OutboxItem.conversation_id == bindparam("conversation"))


def _todays_rows() -> list[ColumnElement[bool]]:
    """Today's SMS rows of ``conversation`` (created since ``since``) that count, or were
    declined, for the budget."""
    return [
        OutboxItem.conversation_id == bindparam("conversation"),
        OutboxItem.channel == CHANNEL,
        OutboxItem.created_at >= bindparam("since"),
        or_(
            OutboxItem.status != OutboxStatus.CANCELLED,
            # Declined at send time (:meth:`DailyLimit.allows`), maybe before this ran.
            OutboxItem.last_error == COST_LIMIT_REASON,
        ),
    ]


@functools.cache
def _todays_counts() -> Select[int, int]:
    """Today's rows of ``conversation``, and how many of them were declined."""
    declined = or_(
        OutboxItem.status == OutboxStatus.CANCELLED,
        and_(
            OutboxItem.status == OutboxStatus.SENT,
            OutboxItem.segments == 0,
            OutboxItem.provider_message_id.is_(None),
        ),
    )
    return select(func.count(OutboxItem.id), func.count(OutboxItem.id).filter(declined)).where(
        *_todays_rows()
    )


class DailyLimit:
    """At most ``limit`` SMS per conversation and Paris day; past it, the team takes over.

    Two checks cooperate, because replies are queued by the core and sent later by the outbox
    dispatcher. :meth:`enforce` runs right after an inbound SMS was handled: it cancels the
    queued replies beyond the budget, queues one handoff notice and tells the team.
    :meth:`allows` runs in the SMS channel just before each provider call and refuses what is
    over budget, so a reply that the dispatcher picked up before :meth:`enforce` cancelled it
    is still not paid for.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        events: EventBus,
        content: Content,
        limit: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        content.require_messages({HANDOFF_MESSAGE: frozenset()})
        self._sessions = sessions
        self._events = events
        self._content = content
        self.limit = limit
        self._clock = clock
        self._always_sent = self._safety_texts()
        self._made_from = (content.crisis, content.messages)

    def _safety_texts(self) -> frozenset[str]:
        """The crisis texts, the numbers said again after a crisis, and the team's promise,
        in every language."""
        content = self._content
        crisis = content.crisis
        crisis_texts = [text for kind in crisis.kinds.values() for text in kind.text.values()]
        crisis_texts += [
            crisis.again_text(kind, locale)
            for kind in crisis.kinds
            for locale in content.languages
        ]
        crisis_texts += crisis.team_told.values()
        return frozenset(
            text for key in ALWAYS_SENT_MESSAGES for text in content.messages[key].values()
        ) | frozenset(crisis_texts)

    def always_sent(self, reply: Reply) -> bool:
        """Whether ``reply`` is a safety or legal message that no budget may hold back."""
        made_from = (self._content.crisis, self._content.messages)
        if made_from[0] is not self._made_from[0] or made_from[1] is not self._made_from[1]:
            # A text approved in the back office is in service: its new words are the ones
            # sent from now on.
            self._always_sent = self._safety_texts()
            self._made_from = made_from
        return reply.text in self._always_sent

    async def allows(self, recipient: str, reply: Reply) -> bool:
        """Whether the SMS channel may pay for ``reply`` to ``recipient`` now."""
        if self.always_sent(reply):
            return True
        sender_hash = current_cipher().lookup_hash(f"{CHANNEL}:{recipient}")
        # One statement: it runs before every SMS the outbox sends.
        async with self._sessions() as session:
            sent = await session.scalar(
                _sent_today(by_sender=True),
                {"since": day_start(self._clock()), "sender_hash": sender_hash},
            )
        return int(sent or 0) < self.limit

    async def has_room(self, session: AsyncSession, conversation_id: int) -> bool:
        """Whether one more SMS fits in today's budget of this conversation (in ``session``)."""
        return await self.room(session, conversation_id) > 0

    async def room(self, session: AsyncSession, conversation_id: int) -> int:
        """How many more SMS fit in today's budget of this conversation (in ``session``)."""
        return max(0, self.limit - await self.sent_today(session, conversation_id))

    async def sent_today(self, session: AsyncSession, conversation_id: int) -> int:
        """SMS that went out (and were paid for) in this conversation since Paris midnight."""
        count = await session.scalar(
            _sent_today(by_sender=False),
            {"since": day_start(self._clock()), "conversation": conversation_id},
        )
        return int(count or 0)

    async def enforce(self, conversation_id: int, *, opened_with: int | None = None) -> bool:
        """Cancel what is over today's budget; the first time, tell the team and the young person.

        Args:
            conversation_id: the conversation that just received an SMS.
            opened_with: when that SMS began the conversation, how many replies its turn
                queued. Nothing else of the conversation exists yet, so within the limit
                there is nothing to ask the database.

        Returns:
            True when this call handed the conversation to the team.
        """
        if opened_with is not None and opened_with <= self.limit:
            return False
        now = self._clock()
        if not await self._over(conversation_id, now):
            return False
        async with self._sessions.begin() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None or conversation.channel != CHANNEL:
                return False
            if conversation.opted_out:
                return False  # only the STOP confirmation is queued, and it must go out
            rows = list(
                await session.scalars(
                    select(OutboxItem).where(*_todays_rows()).order_by(OutboxItem.id),
                    {"conversation": conversation_id, "since": day_start(now)},
                )
            )
            declined = [row for row in rows if _skipped(row)]
            live = [row for row in rows if not _skipped(row)]
            if len(live) <= self.limit and not declined:
                return False
            over = [
                row
                for row in live[self.limit :]
                if row.status == OutboxStatus.PENDING
                and not self.always_sent(decode(row.payload)[1])
            ]
            await self._cancel(session, [*over, *declined])
            event = await self._hand_over(session, conversation, now)
        if event is not None:
            logger.info("conversation %s reached the daily SMS limit", conversation_id)
            await self._events.publish(event)
        return event is not None

    async def _over(self, conversation_id: int, now: datetime) -> bool:
        """Whether today's rows of the conversation may be over budget: one aggregate query,
        since it runs after every SMS received and nearly always says no."""
        async with self._sessions() as session:
            total, skipped = (
                await session.execute(
                    _todays_counts(), {"conversation": conversation_id, "since": day_start(now)}
                )
            ).one()
        return bool(skipped) or total > self.limit

    async def _cancel(self, session: AsyncSession, rows: list[OutboxItem]) -> None:
        """Cancel rows and drop their transcript lines: the young person never received them."""
        for row in rows:
            row.status = OutboxStatus.CANCELLED
            row.last_error = COST_LIMIT_REASON
        transcript = [row.message_id for row in rows if row.message_id is not None]
        for row in rows:
            row.message_id = None
        await session.flush()
        if transcript:
            await session.execute(delete(Message).where(Message.id.in_(transcript)))

    async def _hand_over(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> TeamEvent | None:
        """Queue the day's handoff notice once; the event to publish, or None if already done."""
        text = self._content.message(HANDOFF_MESSAGE, conversation.locale)
        day = now.astimezone(PARIS).date().isoformat()
        item = await enqueue(
            session,
            conversation,
            Reply(text),
            dedupe=f"cost-limit:{conversation.id}:{day}",
            in_reply=True,
        )
        if item is None:
            return None
        line = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            author=Author.BOT,
            text=text,
            created_at=now,
        )
        session.add(line)
        await session.flush()
        item.message_id = line.id
        lead = await session.scalar(
            select(Lead)
            .where(Lead.conversation_id == conversation.id, Lead.status.not_in(CLOSED_STATUSES))
            .order_by(Lead.id.desc())
            .limit(1)
        )
        return TeamEvent(
            COST_LIMIT_EVENT,
            conversation.id,
            lead.id if lead else None,
            lead.sector_id if lead else None,
            urgent=bool(lead and lead.urgent),
        )


async def record_delivery_status(
    sessions: async_sessionmaker[AsyncSession],
    provider_message_id: str,
    *,
    delivered: bool,
    error: str | None = None,
) -> bool:
    """Apply a provider's delivery report to the outbox row it sent.

    Reports can arrive out of order and more than once (one per part of a long SMS): a
    delivered row stays delivered, and only a sent row can turn failed.

    Returns:
        False when no row carries that provider id (logged, nothing changed).
    """
    async with sessions.begin() as session:
        item = await session.scalar(
            select(OutboxItem)
            .where(
                OutboxItem.channel == CHANNEL,
                OutboxItem.provider_message_id == provider_message_id,
            )
            .limit(1)
        )
        if item is None:
            logger.info("delivery report for an unknown SMS ignored")
            return False
        if delivered and item.status in {OutboxStatus.SENT, OutboxStatus.FAILED}:
            item.status = OutboxStatus.DELIVERED
        elif not delivered and item.status == OutboxStatus.SENT:
            item.status = OutboxStatus.FAILED
            item.last_error = (error or "not delivered")[:200]
            logger.info(
                "outbox %s: SMS not delivered (%s)", item.id, escape_for_log(item.last_error)
            )
        return True


class SmsInbox:
    """What an SMS webhook asks of the core, whichever provider sent it."""

    def __init__(
        self,
        *,
        conversations: ConversationService,
        sessions: async_sessionmaker[AsyncSession],
        limit: DailyLimit,
    ) -> None:
        self._conversations = conversations
        self._sessions = sessions
        self.limit = limit

    async def receive(self, message: InboundMessage) -> InboundResult:
        """Store and answer one incoming SMS (replies are queued), then apply today's budget.

        The core stores the message before this returns, so the webhook is acknowledged only
        once nothing can be lost; a provider's resend of the same id is answered once.
        """
        result = await self._conversations.handle_inbound(message)
        if not result.duplicate and result.replies:
            opened_with = len(result.replies) if result.opened else None
            await self.limit.enforce(result.conversation_id, opened_with=opened_with)
        return result

    async def receive_media(
        self, message: InboundMessage, attachment: Attachment
    ) -> InboundResult:
        """A file of an MMS (``ConversationService.handle_media``), then today's budget: its
        kind answer is an SMS like any other."""
        result = await self._conversations.handle_media(message, attachment)
        if not result.duplicate and result.replies:
            await self.limit.enforce(result.conversation_id)
        return result

    async def report(
        self, provider_message_id: str, *, delivered: bool, error: str | None = None
    ) -> bool:
        """Record a provider's delivery report; see :func:`record_delivery_status`."""
        return await record_delivery_status(
            self._sessions, provider_message_id, delivered=delivered, error=error
        )
