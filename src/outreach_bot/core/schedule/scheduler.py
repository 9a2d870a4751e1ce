"""The scheduler: turns due scheduled messages into outbox rows, once each, within the rules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Final, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.core.delivery.outbox import COUNSELLOR_KIND, QUEUED_CHANNELS, Budget, enqueue
from outreach_bot.core.delivery.rules import SendingRules
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.schedule.plan import ScheduledContent
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.storage.models import (
    Author,
    Conversation,
    Direction,
    Lead,
    Message,
    ScheduledMessage,
    ScheduledStatus,
)

logger = logging.getLogger(__name__)

BATCH: Final = 100
"""Rows claimed per transaction; a tick goes on with another batch while rows are due."""
PLAN_EVERY: Final = timedelta(hours=1)
"""How often the planners look for what to schedule: "silent for two weeks" needs no finer
grain, and each look reads every open lead."""
ANY_HOUR_EVERY: Final = timedelta(minutes=1)
"""In the quiet hours, how often to look for any-hour rows (crisis numbers kept back for ten
minutes): a minute late at most, and an idle night costs one query a minute."""
FETCHED_CHANNELS: Final = frozenset({"rest"})
"""Channels whose page fetches what is written to it (the web chat): urgent rows, and the
kinds registered as ``fetched``, reach it."""
CLOSING_MARGIN: Final = timedelta(minutes=2)
"""The scheduler stops this long before the quiet hours begin, so that what it queues has
left the outbox (about a second later) before they do."""


class Guard(Protocol):
    """Whether a due message of one kind should still go; registered per kind.

    Returns a short reason to skip it (stored on the row, never personal data), or None to
    send it. It runs in the sending transaction and may change other rows (a counter, a
    lead's state), which then commit with the send.
    """

    async def __call__(
        self,
        session: AsyncSession,
        item: ScheduledMessage,
        conversation: Conversation,
        now: datetime,
    ) -> str | None:
        """The reason not to send, or None."""
        ...


class Planner(Protocol):
    """Something that decides what to schedule (a re-engagement sweep), run every
    :data:`PLAN_EVERY` in its own transaction; it returns team events to publish."""

    async def __call__(self, session: AsyncSession, now: datetime) -> list[TeamEvent]:
        """Schedule what is called for as of ``now``."""
        ...


class Scheduler:
    """Sends what is due, through the outbox, respecting the sending rules.

    Several processes may run one each on the same PostgreSQL database: rows are claimed
    with ``SELECT … FOR UPDATE SKIP LOCKED`` (the conversation row too, so a STOP being
    recorded and a send never interleave), and the outbox row is written in the transaction
    that marks the row sent. On SQLite the single writer serialises ticks: a second process
    whose snapshot is stale fails its write and tries again at the next tick.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Content,
        rules: SendingRules,
        *,
        budgets: Mapping[str, Budget] | None = None,
        events: EventBus | None = None,
        on_queued: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        takeover_hours: float = 24.0,
        batch: int = BATCH,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self.rules = rules
        self._budgets = budgets if budgets is not None else {}
        self._on_queued = on_queued
        self._clock = clock
        self._takeover = timedelta(hours=takeover_hours)
        self._batch = batch
        self._guards: dict[str, Guard] = {}
        self._any_hour: set[str] = set()
        self._fetched: set[str] = set()
        # In the quiet hours only any-hour rows are looked for, once a minute at most.
        self._any_hour_checked = clock().astimezone(UTC)
        self._channel_guards: dict[str, Guard] = {}
        self._planners: list[Planner] = []
        self._planned_at: datetime | None = None
        self._events = events
        self.wakeup = asyncio.Event()
        self.ticked = asyncio.Event()
        self._stopping = False
        """Set once :meth:`run_forever` has finished a tick (a test measuring one message's
        statements waits for the start-up tick, which runs beside it)."""

    def guard(
        self, kind: str, guard: Guard, *, any_hour: bool = False, fetched: bool = False
    ) -> None:
        """Register the check that decides at send time whether a ``kind`` row still goes.

        ``any_hour`` kinds (crisis numbers) go at night too, whatever the day's SMS budget,
        and reach the web chat, which fetches them (it cannot be written to first).
        ``fetched`` kinds reach the web chat too, within the rules ("the bot answers you
        again" after a takeover).
        """
        self._guards[kind] = guard
        if any_hour:
            self._any_hour.add(kind)
        if any_hour or fetched:
            self._fetched.add(kind)

    def fetch(self, *kinds: str) -> None:
        """Let ``kinds`` reach the web chat too, whose page fetches them, with no guard of their
        own (an appointment's messages)."""
        self._fetched.update(kinds)

    def leaves_at(self, kind: str, due_at: datetime, now: datetime) -> datetime:
        """When a row of ``kind`` due at ``due_at`` will go, as far as the rules tell: the next
        open moment (a crisis text goes at any hour). The lead page lists what waits by it."""
        moment = max(due_at, now)
        return moment if kind in self._any_hour else self.rules.next_open(moment)

    def channel_guard(self, channel: str, guard: Guard) -> None:
        """Register a channel's own check at send time (WhatsApp's 24-hour window)."""
        self._channel_guards[channel] = guard

    def planner(self, planner: Planner) -> None:
        """Register a planner, run every :data:`PLAN_EVERY` at the start of a tick."""
        self._planners.append(planner)

    async def plan(self, now: datetime) -> None:
        """Run the planners if they have not run for :data:`PLAN_EVERY`."""
        if self._planned_at is not None and now - self._planned_at < PLAN_EVERY:
            return
        self._planned_at = now
        for planner in self._planners:
            async with self._sessions.begin() as session:
                events = await planner(session, now)
            for event in events:
                if self._events is not None:
                    await self._events.publish(event)

    async def tick(self, *, now: datetime | None = None) -> int:
        """Queue every message that is due now; returns how many were queued.

        Nothing is sent while the rules say closed (or are about to): due rows simply wait,
        so a tick in the quiet hours costs one comparison.

        Args:
            now: the moment to act as of (a simulation's frozen clock); the clock otherwise.
        """
        now = (now or self._clock()).astimezone(UTC)  # SQLite compares the digits as text
        await self.plan(now)
        only: frozenset[str] | None = None
        if not (self.rules.is_open(now) and self.rules.is_open(now + CLOSING_MARGIN)):
            if not self._any_hour or now - self._any_hour_checked < ANY_HOUR_EVERY:
                return 0
            self._any_hour_checked = now
            only = frozenset(self._any_hour)  # the quiet hours: crisis numbers only
        queued = 0
        while True:
            claimed, sent = await self._tick_batch(now, only)
            queued += sent
            if claimed < self._batch:
                break
        if queued:
            self._on_queued()
        return queued

    async def _tick_batch(
        self, now: datetime, only: frozenset[str] | None = None
    ) -> tuple[int, int]:
        """One transaction: claim up to a batch of due rows (of the ``only`` kinds, if given)
        and settle each; (claimed, sent)."""
        query = select(ScheduledMessage, Conversation).join(
            Conversation, Conversation.id == ScheduledMessage.conversation_id
        )
        if only is not None:
            query = query.where(ScheduledMessage.kind.in_(sorted(only)))
        async with self._sessions.begin() as session:
            rows = (
                await session.execute(
                    query.where(
                        ScheduledMessage.status == ScheduledStatus.PENDING,
                        ScheduledMessage.due_at <= now,
                    )
                    .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
                    .limit(self._batch)
                    .with_for_update(skip_locked=True, of=[ScheduledMessage, Conversation])
                )
            ).all()
            sent = 0
            shown: list[TeamEvent] = []
            for item, conversation in rows:
                done = await self._settle(session, item, conversation, now)
                sent += done
                if done and item.kind in self._fetched:
                    shown += await _shown_live(session, conversation.id)
        for event in shown:
            if self._events is not None:
                await self._events.publish(event)
        return len(rows), sent

    async def _settle(
        self,
        session: AsyncSession,
        item: ScheduledMessage,
        conversation: Conversation,
        now: datetime,
    ) -> int:
        """Send, drop or postpone one claimed row; 1 when it was queued for sending."""
        expires = _aware(item.expires_at) if item.expires_at else None
        urgent = item.kind in self._any_hour
        fetched = item.kind in self._fetched and conversation.channel in FETCHED_CHANNELS
        reason: str | None = None
        if conversation.opted_out:
            reason = "stop"
        elif expires is not None and now >= expires:
            return self._close(item, ScheduledStatus.EXPIRED, "too late", now)
        elif not fetched and (conversation.unreachable or conversation.sender_ref is None):
            reason = "unreachable"
        elif not fetched and conversation.channel not in QUEUED_CHANNELS:
            reason = "channel cannot be written to first"
        if reason is None:
            budget = None if urgent else self._budgets.get(conversation.channel)
            if budget is not None and not await budget.has_room(session, conversation.id):
                item.due_at = self._tomorrow(now)
                logger.info("scheduled %s waits for tomorrow's SMS budget", item.id)
                return 0
            guard = self._guards.get(item.kind)
            if guard is not None:
                reason = await guard(session, item, conversation, now)
            channel_guard = self._channel_guards.get(conversation.channel)
            if reason is None and channel_guard is not None:
                reason = await channel_guard(session, item, conversation, now)
        if reason is not None:
            return self._close(
                item,
                ScheduledStatus.CANCELLED if reason == "stop" else ScheduledStatus.SKIPPED,
                reason,
                now,
            )
        try:
            reply = self._render(item, conversation)
        except (KeyError, ValueError, IndexError):
            # A message key or placeholder gone from bot/ since it was scheduled: drop this
            # one rather than block every row behind it.
            logger.exception("scheduled %s (%s) cannot be rendered", item.id, item.kind)
            return self._close(item, ScheduledStatus.SKIPPED, "text missing", now)
        counsellor = item.created_by is not None
        line = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            author=Author.COUNSELLOR if counsellor else Author.BOT,
            author_user_id=item.created_by,
            text=reply.text,
            created_at=now,
        )
        session.add(line)
        await session.flush()
        if not fetched:  # the web chat page fetches it (core.leads.queue.webchat_news)
            await enqueue(
                session,
                conversation,
                reply,
                dedupe=f"scheduled:{item.id}",
                in_reply=False,
                message_id=line.id,
                not_before=now,
                kind=COUNSELLOR_KIND if counsellor else item.kind,
            )
        if reply.buttons:
            # On SMS buttons are numbered lines: "1" must pick this message's first button.
            state = DialogueState.from_json(conversation.state)
            state.offer(reply.choices)
            conversation.state = state.to_json()
        if counsellor:
            # Like any counsellor message: the bot keeps quiet while they talk.
            conversation.takeover_by = item.created_by
            conversation.takeover_until = now + self._takeover
        item.message_id = line.id
        self._close(item, ScheduledStatus.SENT, None, now)
        return 1

    @staticmethod
    def _close(item: ScheduledMessage, status: str, reason: str | None, now: datetime) -> int:
        item.status = status
        item.reason = reason
        item.done_at = now
        if reason is not None:
            logger.info("scheduled %s (%s) %s: %s", item.id, item.kind, status, reason)
        return 0

    def _tomorrow(self, now: datetime) -> datetime:
        """The first open moment of the next day (a new SMS budget)."""
        local = now.astimezone(self.rules.zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
        return self.rules.next_open(midnight)

    def _render(self, item: ScheduledMessage, conversation: Conversation) -> Reply:
        """The row's text in the young person's language, with its buttons."""
        content = ScheduledContent.from_json(item.payload)
        locale = conversation.locale
        if content.text is not None:
            text = content.text
        else:
            text = self._content.message(content.message or "", locale, **(content.values or {}))
        buttons = tuple(
            Button(self._content.message(title, locale), payload)
            for title, payload in content.buttons
        )
        return Reply(text, buttons)

    def stop(self) -> None:
        """Let :meth:`run_forever` end after the tick under way, whose transaction then
        closes its connection instead of being cut off by a cancellation."""
        self._stopping = True
        self.wakeup.set()

    async def run_forever(self, *, interval: float) -> None:
        """Tick until :meth:`stop` (or cancelled); :attr:`wakeup` starts a tick early."""
        self._stopping = False
        while not self._stopping:
            try:
                await self.tick()
            except Exception:
                logger.exception("scheduler tick failed; retrying")
            self.ticked.set()
            if self._stopping:
                break
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=interval)


async def _shown_live(session: AsyncSession, conversation_id: int) -> list[TeamEvent]:
    """A "message" event for the conversation's latest lead, so that its open lead page shows
    what the bot just sent there (the crisis text kept back, "the bot answers you again")."""
    lead = await session.scalar(
        select(Lead)
        .where(Lead.conversation_id == conversation_id)
        .order_by(Lead.id.desc())
        .limit(1)
    )
    if lead is None:
        return []
    return [TeamEvent("message", conversation_id, lead.id, lead.sector_id, urgent=lead.urgent)]


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
