"""The persistent outbox: every message to a Telegram, SMS or WhatsApp user goes through here.

Rows are written in the same transaction as the decision to send, then delivered by
:class:`OutboxDispatcher` with retries and backoff. A crash between the two loses nothing.
After delivery the payload is wiped: the outbox keeps no text.

Sending once. A row is claimed with a conditional UPDATE that stamps it with the claiming
dispatcher's token and a lease; the dispatcher renews the lease for as long as the provider
call lasts, and records the outcome only while the row still carries its token. So without a
crash a row is sent once, however many dispatchers run and however slow the provider is. If
the process dies mid-send (``kill -9``, power cut), nobody renews the lease; once it expires
(:data:`LEASE`, 5 minutes) the row is sent again, because we cannot know whether the provider
took it. That is the at-least-once window. Each attempt passes the provider a
:class:`~outreach_bot.core.channel.Delivery` whose key is derived from the row: SMS Gateway
for Android deduplicates on it, so there the resend is refused and nothing reaches the phone
twice; Twilio's, Telegram's and WhatsApp's send APIs take no such key, so there the SMS or
message may arrive a second time, :data:`LEASE` after the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol, cast

from sqlalchemy import (
    Row,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from outreach_bot.core.channel import (
    Delivery,
    OutboundChannel,
    PermanentFailureError,
    SendCancelledError,
    TemporaryFailureError,
)
from outreach_bot.core.delivery.pacing import Pacer
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, Message, OutboxItem, OutboxStatus

Recipient = tuple[str, int]
"""A lane's key: the channel and the conversation (minus the row id for an erased one)."""

#: Channels whose replies go through this outbox rather than the HTTP response.
QUEUED_CHANNELS: Final = frozenset({"telegram", "sms", "whatsapp"})

COUNSELLOR_KIND: Final = "counsellor"
"""The kind of a message a counsellor wrote (WhatsApp picks its template by kind)."""

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 24
"""With backoff capped at 30 minutes, about 9 hours of retries: a provider outage of an
afternoon delays messages but loses none."""
BASE_BACKOFF: Final = timedelta(seconds=5)
MAX_BACKOFF: Final = timedelta(minutes=30)
SENDING: Final = "sending"
STALE_REPLY: Final = timedelta(minutes=30)
"""A reply that could not go out for this long is treated like a message we start."""
LEASE: Final = timedelta(minutes=5)
"""How long a claim lasts unless its dispatcher renews it (it does, every third of this, for as
long as the send takes): a row whose lease ran out belongs to a dispatcher that died."""
CRISIS_PRIORITY: Final = 10
"""The priority of a crisis reply's rows (others have 0): they leave before anything queued."""
MIN_PAUSE: Final = 0.01
"""The shortest wait between two rounds, in seconds: sends that end together are followed by
one round, not one each, and a moment just passed cannot spin."""
NOT_OURS_PAUSE: Final = timedelta(seconds=0.25)
"""How long a recipient whose row another worker holds (or just sent to) is passed over."""
DRAIN: Final = timedelta(seconds=10)
"""How long a stopping dispatcher lets its sends in flight finish."""


class SendPolicy(Protocol):
    """When a channel may send: SMS quiet hours, for instance. Default: at once."""

    def earliest(self, now: datetime, *, in_reply: bool) -> datetime:
        """The first moment a message may go out."""
        ...


class Budget(Protocol):
    """A channel's cost guard (the SMS daily limit), asked before a message is paid for."""

    limit: int
    """Messages one conversation may be sent in a day."""

    async def has_room(self, session: AsyncSession, conversation_id: int) -> bool:
        """Whether one more message fits in today's budget."""
        ...

    async def room(self, session: AsyncSession, conversation_id: int) -> int:
        """How many more messages fit in today's budget."""
        ...


@dataclass(frozen=True, slots=True)
class Immediate:
    """Send at once, day or night (Telegram, where the user controls notifications)."""

    def earliest(self, now: datetime, *, in_reply: bool) -> datetime:
        """Now."""
        return now


def delivery_key(item: OutboxItem) -> str:
    """The row's stable key for providers that deduplicate: 32 hex characters.

    Derived from ``dedupe_key`` (itself keyed with this installation's secret), so it is the
    same on every attempt at the row and tells nothing about the conversation.
    """
    return hashlib.sha256(f"outbox:{item.dedupe_key}".encode()).hexdigest()[:32]


def encode(recipient: str, reply: Reply, *, in_reply: bool, kind: str | None = None) -> str:
    """The JSON payload of an outbox row (stored encrypted)."""
    data: dict[str, object] = {
        "recipient": recipient,
        "text": reply.text,
        "buttons": [[button.title, button.payload] for button in reply.buttons],
        "in_reply": in_reply,
    }
    if kind is not None:
        data["kind"] = kind
    return json.dumps(data, ensure_ascii=False)


def decode(payload: str) -> tuple[str, Reply]:
    """Recipient and reply from an outbox payload."""
    recipient, reply, _ = decode_full(payload)
    return recipient, reply


def decode_full(payload: str) -> tuple[str, Reply, bool]:
    """Recipient, reply, and whether it answers a message just received."""
    data = json.loads(payload)
    buttons = tuple(Button(title, value) for title, value in data.get("buttons", []))
    return str(data["recipient"]), Reply(str(data["text"]), buttons), bool(data.get("in_reply"))


def kind_of(payload: str) -> str | None:
    """What the core started this message as (``counsellor``, a scheduled kind), if it did."""
    kind = json.loads(payload).get("kind")
    return kind if isinstance(kind, str) else None


WIPED: Final = encode("", Reply(""), in_reply=False)
"""A sent row's payload: the outbox keeps no text once a message has left."""

_OUTBOX: Final = cast(Table, OutboxItem.__table__)
_RECORD_SENT: Final = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("row"),
        _OUTBOX.c.status == SENDING,
        _OUTBOX.c.claim_token == bindparam("token"),
    )
    .values(
        status=bindparam("new_status"),
        sent_at=bindparam("new_sent_at"),
        provider_message_id=bindparam("new_provider_message_id"),
        segments=bindparam("new_segments"),
        attempts=bindparam("new_attempts"),
        payload=bindparam("new_payload"),
        claim_token=None,
        lease_until=None,
    )
)
"""Sent rows' outcomes, many in one statement (executemany), still only where the claim
token is ours."""


@functools.cache
def _ahead(*, paced: bool) -> Select[bool]:
    """Whether something of a conversation goes before a new reply: a row in flight, one due,
    or (``paced``: a channel with a time between two messages to one person) one sent too
    recently. Built once: it runs in every turn that claims its replies."""
    blocking = [
        OutboxItem.status == SENDING,
        and_(OutboxItem.status == OutboxStatus.PENDING, OutboxItem.not_before <= bindparam("now")),
    ]
    if paced:
        blocking.append(
            and_(
                OutboxItem.status == OutboxStatus.SENT,
                OutboxItem.sent_at > bindparam("sent_since"),
            )
        )
    return select(
        exists().where(OutboxItem.conversation_id == bindparam("conversation"), or_(*blocking))
    )


@dataclass(slots=True)
class _Claim:
    """A turn's replies claimed in the transaction that wrote them, and the place in flight
    taken for them: a lane once that transaction commits, given back if it does not."""

    key: Recipient
    pacer: Pacer
    token: str
    items: list[OutboxItem]
    within_budget: bool


class AtOnce:
    """The replies of one turn that leave as soon as the turn's transaction commits.

    Got from :meth:`OutboxDispatcher.at_once`; the use case calls :meth:`claim` with the
    rows it is about to add, inside its transaction.
    """

    def __init__(self, dispatcher: OutboxDispatcher) -> None:
        self._dispatcher = dispatcher
        self.claims: list[_Claim] = []
        self.left = False
        """Whether some row was left for the dispatcher's rounds (not claimed here)."""

    async def claim(
        self,
        session: AsyncSession,
        conversation_id: int,
        items: Sequence[OutboxItem],
        *,
        opened: bool = False,
    ) -> None:
        """Claim what of ``items`` (new rows of one conversation, not yet added to the
        session) may leave now; the rest waits for a round, as any queued row.

        ``opened``: the conversation was created in this transaction, so nothing of it can
        be in flight, due or already sent today, and the database need not be asked.
        """
        claim = await self._dispatcher._claim_new(session, conversation_id, items, opened=opened)
        if claim is not None:
            self.claims.append(claim)
        claimed = len(claim.items) if claim is not None else 0
        self.left = self.left or claimed < len(items)


@dataclass(slots=True)
class _Outcome:
    """A send's outcome waiting to be written, and the lane waiting for that write."""

    item_id: int
    conversation_id: int | None
    token: str
    values: dict[str, object]
    unreachable: bool
    unsaid: int | None
    done: asyncio.Future[None]


async def enqueue(
    session: AsyncSession,
    conversation: Conversation,
    reply: Reply,
    *,
    dedupe: str,
    in_reply: bool,
    message_id: int | None = None,
    not_before: datetime | None = None,
    kind: str | None = None,
    priority: int = 0,
) -> OutboxItem | None:
    """Queue ``reply`` to the conversation's sender, in the caller's transaction.

    Args:
        session: the caller's unit of work.
        conversation: who to write to (its channel and sender).
        reply: what to send.
        dedupe: a key unique to this message; queueing the same key twice is a no-op.
        in_reply: whether it answers something the person just wrote (SMS quiet hours
            do not delay those).
        message_id: the transcript line this delivers.
        not_before: earliest send time, if the channel's policy says so.
        kind: what the core starts this message as (``counsellor``, a scheduled kind), for
            channels that need it outside a conversation window (WhatsApp templates).
        priority: :data:`CRISIS_PRIORITY` for a crisis reply, which leaves first.

    Returns:
        The new row, or None when the conversation opted out or the key was already queued.
    """
    if conversation.opted_out or conversation.sender_ref is None:
        return None
    key = current_cipher().lookup_hash(f"{conversation.channel}:{dedupe}")
    if await session.scalar(select(OutboxItem.id).where(OutboxItem.dedupe_key == key)):
        return None
    now = datetime.now(UTC)
    item = OutboxItem(
        conversation_id=conversation.id,
        message_id=message_id,
        channel=conversation.channel,
        dedupe_key=key,
        payload=encode(conversation.sender_ref, reply, in_reply=in_reply, kind=kind),
        not_before=not_before or now,
        created_at=now,
        priority=priority,
    )
    session.add(item)
    await session.flush()
    return item


_NEW_ROW_COLUMNS: Final = tuple(column.key for column in _OUTBOX.columns if column.key != "id")
_INSERT_ROWS: Final = (
    insert(_OUTBOX)
    .execution_options(render_nulls=True)
    .returning(_OUTBOX.c.id, _OUTBOX.c.dedupe_key)
)


async def insert_outbox_rows(session: AsyncSession, items: Sequence[OutboxItem]) -> None:
    """Insert a turn's new rows in one statement, and give each object its id.

    ``items`` are built whole (every column set, defaults included: nothing fills them in
    here) and never added to the session: the lanes that send them only read them. An ORM
    flush would insert them one by one (SQLite returns a multi-row insert's ids in no set
    order), so each id is matched back by the row's ``dedupe_key``, unique in the table.
    """
    if not items:
        return
    rows = [{key: getattr(item, key) for key in _NEW_ROW_COLUMNS} for item in items]
    by_key = {item.dedupe_key: item for item in items}
    for row_id, key in await session.execute(_INSERT_ROWS, rows):
        by_key[key].id = row_id


class OutboxDispatcher:
    """Delivers due outbox rows through the channel registry, with retries and backoff.

    Sends run concurrently, each recipient in its own lane: a lane delivers one
    recipient's due rows in order, one at a time, while the channel's
    :class:`~outreach_bot.core.channel.SendLimits` allow (its rate, sends in flight, the
    time between two messages to one recipient, kept by a
    :class:`~outreach_bot.core.delivery.pacing.Pacer`). A recipient who is not due, or a
    channel that is full, is passed over and looked at again when its moment comes; nothing
    sleeps for a limit, so one Telegram chat's second holds up no other chat. Crisis replies
    (:data:`CRISIS_PRIORITY`) are taken first.

    With ``workers`` processes sending through the same accounts (``run --workers N``), each
    keeps its share of every channel's rate and sends in flight
    (:meth:`~outreach_bot.core.channel.SendLimits.shared_by`).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        channels: Mapping[str, OutboundChannel],
        *,
        policies: Mapping[str, SendPolicy] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch: int = 200,
        lease: timedelta = LEASE,
        workers: int = 1,
        budgets: Mapping[str, Budget] | None = None,
    ) -> None:
        self._sessions = sessions
        self._channels = channels
        self._budgets = budgets if budgets is not None else {}
        self._policies = policies or {}
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._workers = workers
        self._pacers: dict[str, Pacer] = {}
        self._active: set[Recipient] = set()
        self._lanes: set[asyncio.Task[tuple[int, int]]] = set()
        self._released_at: datetime | None = None
        self._stopping = False
        self._outcomes: list[_Outcome] = []
        self._recorder: asyncio.Task[None] | None = None
        self._waits_for_lanes = False
        """Whether the last round passed over a row because of a lane in flight (its
        recipient's, or the channel's last place): only then must a lane that ends wake the
        loop. Otherwise each lane's end would cost an empty round, a transaction that, on
        SQLite, queues behind the incoming messages like any other."""
        self.wakeup = asyncio.Event()

    async def run_once(self) -> int:
        """Send what is due now on registered channels; return how many rows were sent.

        Rounds follow each other while they try something: every recipient that may be
        written to now gets its lane (as many as the channel's limits allow at once), and
        each round waits for its lanes (and those :meth:`run_forever` has in flight). A
        recipient whose next slot has not come is left for a later call.
        """
        total = 0
        while True:
            lanes, _ = await self._start_round()
            outcomes = await asyncio.gather(*lanes)
            total += sum(sent for _, sent in outcomes)
            if any(tried for tried, _ in outcomes):
                continue
            # Lanes that :meth:`run_forever` started hold some recipients: wait for them too,
            # so that what was due has been tried when this returns.
            others = set(self._lanes)
            if not others:
                return total
            await asyncio.wait(others)

    @contextlib.contextmanager
    def at_once(self) -> Iterator[AtOnce]:
        """Send a turn's replies the moment its transaction commits, without a round.

        Wrap exactly the transaction that writes the replies (the ``with`` body ends with
        its commit). Under load the rounds' own transactions queue behind the incoming
        messages' (on SQLite there is one connection), so a reply that waited for a round
        waited for the database twice more; claimed in the transaction that wrote it, it
        leaves once that one commits. Leaving normally starts a lane for each claim; an
        error gives the places in flight back (the rows were rolled back with the rest).
        """
        batch = AtOnce(self)
        try:
            yield batch
        except BaseException:
            for claim in batch.claims:
                claim.pacer.give_back(len(claim.items))
                claim.pacer.in_flight -= 1
                self._active.discard(claim.key)
            self.wakeup.set()
            raise
        for claim in batch.claims:
            lane = asyncio.create_task(
                self._lane(
                    claim.key,
                    claim.items,
                    claim.token,
                    claim.pacer,
                    within_budget=claim.within_budget,
                )
            )
            self._lanes.add(lane)
            lane.add_done_callback(self._lanes.discard)

    async def _claim_new(
        self,
        session: AsyncSession,
        conversation_id: int,
        items: Sequence[OutboxItem],
        *,
        opened: bool = False,
    ) -> _Claim | None:
        """Mark as ours, before they are added, the new rows that may leave now.

        The same rules as a round's (:meth:`_choose` and :meth:`_claim`): the channel's
        limits in this process, and in the database nothing of the conversation in flight or
        due before these, nor (Telegram) sent within the recipient interval. The caller holds
        the conversation (on PostgreSQL its row is locked ``FOR UPDATE`` for the turn), so no
        other worker can claim for it meanwhile. A channel with a cost budget claims only
        what fits in it, counted here so the send need not ask again.

        A conversation ``opened`` by this turn has nothing in the database yet: its whole
        budget is left and nothing goes before its replies, so neither is queried. That is
        every message of an opening burst, when one process is shortest of CPU.
        """
        if self._stopping or not items:
            return None
        channel = items[0].channel
        key: Recipient = (channel, conversation_id)
        if channel not in self._channels or key in self._active:
            return None
        now = self._clock()
        pacer = self._pacer(channel)
        slot = pacer.recipient_slot(key)
        if slot is not None and slot > now:
            return None
        if pacer.in_flight >= pacer.limits.concurrent or not pacer.has_room(now):
            return None
        interval = pacer.limits.recipient_interval
        due = list(items[:1] if interval else items)
        budget = self._budgets.get(channel)
        if budget is not None:
            due = due[: budget.limit if opened else await budget.room(session, conversation_id)]
        if not due:
            return None
        if not opened and await session.scalar(
            _ahead(paced=bool(interval)),
            {
                "conversation": conversation_id,
                "now": now,
                "sent_since": now - timedelta(seconds=interval),
            },
        ):
            return None
        picks = [item for item in due if pacer.take(now)]
        if not picks:
            return None
        pacer.in_flight += 1
        self._active.add(key)
        token = secrets.token_hex(16)
        for item in picks:
            item.status = SENDING
            item.claim_token = token
            item.lease_until = now + self._lease
            item.not_before = now
        return _Claim(key, pacer, token, picks, within_budget=budget is not None)

    def _pacer(self, channel: str) -> Pacer:
        pacer = self._pacers.get(channel)
        if pacer is None:
            limits = self._channels[channel].limits.shared_by(self._workers)
            pacer = self._pacers[channel] = Pacer(limits)
        return pacer

    async def _start_round(self) -> tuple[list[asyncio.Task[tuple[int, int]]], datetime | None]:
        """Claim, in one transaction, the rows of each recipient that may be written to now,
        and start a lane for each.

        Returns:
            The lanes started, and the moment a recipient or a rate passed over becomes due
            (None when nothing waits on a moment; a lane that ends wakes the loop too).
        """
        now = self._clock()
        token = secrets.token_hex(16)
        busy = aliased(OutboxItem)
        chosen: dict[Recipient, tuple[Pacer, list[int]]] = {}
        claimed: dict[int, OutboxItem] = {}
        wake: datetime | None = None
        try:
            async with self._sessions.begin() as session:
                if self._released_at is None or now - self._released_at >= self._lease / 10:
                    await self._release_expired(session, now)
                    self._released_at = now
                rows = (
                    await session.execute(
                        select(OutboxItem.id, OutboxItem.conversation_id, OutboxItem.channel)
                        .where(
                            OutboxItem.status == OutboxStatus.PENDING,
                            OutboxItem.not_before <= now,
                            OutboxItem.channel.in_(list(self._channels)),
                            # A row of the same conversation in flight (here or in another
                            # worker): the next one waits for it, so messages keep their order.
                            ~exists().where(
                                busy.conversation_id == OutboxItem.conversation_id,
                                busy.status == SENDING,
                            ),
                        )
                        .order_by(OutboxItem.priority.desc(), OutboxItem.not_before, OutboxItem.id)
                        .limit(self._batch)
                    )
                ).all()
                wake = self._choose(rows, now, chosen)
                if chosen:
                    claimed = await self._claim(session, chosen, token, now)
        except BaseException:
            for key, (pacer, _) in chosen.items():
                pacer.in_flight -= 1
                self._active.discard(key)
            raise
        started: list[asyncio.Task[tuple[int, int]]] = []
        for key, (pacer, picks) in chosen.items():
            items = [claimed[item_id] for item_id in picks if item_id in claimed]
            pacer.give_back(len(picks) - len(items))
            if not items:
                # Another worker sent to this person just now, or holds their conversation:
                # look again a little later rather than at once (that would spin).
                pacer.in_flight -= 1
                self._active.discard(key)
                until = now + NOT_OURS_PAUSE
                pacer.hold(key, until)
                wake = until if wake is None else min(wake, until)
                continue
            lane = asyncio.create_task(self._lane(key, items, token, pacer))
            self._lanes.add(lane)
            lane.add_done_callback(self._lanes.discard)
            started.append(lane)
        return started, wake

    def _choose(
        self,
        rows: Sequence[Row[int, int | None, str]],
        now: datetime,
        chosen: dict[Recipient, tuple[Pacer, list[int]]],
    ) -> datetime | None:
        """Pick, from the due rows, what each recipient may be sent now, within the limits.

        Fills ``chosen`` (each pick holds a place in flight until its lane ends) and returns
        the moment a recipient or a rate passed over becomes due.
        """
        wake: datetime | None = None
        self._waits_for_lanes = False
        queues: dict[Recipient, tuple[str, list[int]]] = {}
        for item_id, conversation_id, channel in rows:
            # An erased conversation's last rows have no conversation: each its own lane.
            key = (channel, conversation_id if conversation_id is not None else -item_id)
            if key not in self._active:
                queues.setdefault(key, (channel, []))[1].append(item_id)
            else:
                self._waits_for_lanes = True
        for key, (channel, item_ids) in queues.items():
            pacer = self._pacer(channel)
            slot = pacer.recipient_slot(key)
            if slot is not None and slot > now:
                wake = slot if wake is None else min(wake, slot)
                continue
            if pacer.in_flight >= pacer.limits.concurrent:
                self._waits_for_lanes = True  # a lane of this channel that ends wakes the loop
                continue
            if not pacer.has_room(now):
                moment = pacer.next_moment(now)
                wake = moment if wake is None else min(wake, moment)
                continue
            # Where the channel spaces one recipient's messages, the next waits for its
            # slot in a later round; elsewhere the lane takes all that is due, in order.
            due = item_ids[:1] if pacer.limits.recipient_interval else item_ids
            picks = [item_id for item_id in due if pacer.take(now)]
            pacer.in_flight += 1
            self._active.add(key)
            chosen[key] = (pacer, picks)
        return wake

    async def _lane(
        self,
        key: Recipient,
        items: list[OutboxItem],
        token: str,
        pacer: Pacer,
        *,
        within_budget: bool = False,
    ) -> tuple[int, int]:
        """Deliver one recipient's claimed rows in order.

        The lane's place in flight is given back as soon as its provider calls are over: the
        outcomes are written meanwhile (:meth:`_record`), and only then is the recipient free
        for the next round and the lane done.

        Returns:
            How many rows it tried, and how many of them left.
        """
        tried = sent = 0
        written: list[asyncio.Future[None]] = []
        holding = asyncio.create_task(self._hold([item.id for item in items], token))
        in_flight = True
        try:
            for item in items:
                tried += 1
                left, outcome = await self._deliver(item, token, within_budget=within_budget)
                sent += left
                written.append(outcome)
                pacer.sent(key, self._clock())
            pacer.in_flight -= 1
            in_flight = False
            self._lane_ended()  # a place in flight is free
            failures = await asyncio.gather(*written, return_exceptions=True)
            if any(failure is not None for failure in failures):
                logger.warning("outbox: a send's outcome was not written; it will be retried")
        except Exception:
            # The database went away mid-lane: the row keeps its claim until the lease ends.
            logger.exception("outbox: a delivery was interrupted; it will be retried")
        finally:
            holding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await holding
            if tried < len(items):
                # Stopped before these were tried: put them back now rather than at the
                # lease's end (the row being sent when it stopped waits for the lease).
                await self._release([item.id for item in items[tried:]], token)
            if in_flight:
                pacer.in_flight -= 1
            self._active.discard(key)
            self._lane_ended()  # the recipient is free, and more may be due
        return tried, sent

    def _lane_ended(self) -> None:
        """Wake the loop if the last round left something for a lane's end."""
        if self._waits_for_lanes:
            self.wakeup.set()

    async def _release(self, item_ids: list[int], token: str) -> None:
        """Give back rows we claimed and never tried (a stop, a database error)."""
        with contextlib.suppress(Exception):
            async with self._sessions.begin() as session:
                await session.execute(
                    update(OutboxItem)
                    .where(
                        OutboxItem.id.in_(item_ids),
                        OutboxItem.status == SENDING,
                        OutboxItem.claim_token == token,
                    )
                    .values(status=OutboxStatus.PENDING, claim_token=None, lease_until=None)
                )

    async def _release_expired(self, session: AsyncSession, now: datetime) -> None:
        """Put back rows whose dispatcher died mid-send: they will be sent again."""
        result = await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.status == SENDING,
                or_(
                    OutboxItem.lease_until < now,
                    # Claimed before leases existed: the claim time is in not_before.
                    and_(
                        OutboxItem.lease_until.is_(None),
                        OutboxItem.not_before < now - self._lease,
                    ),
                ),
            )
            .values(status=OutboxStatus.PENDING, claim_token=None, lease_until=None)
        )
        released = int(getattr(result, "rowcount", 0) or 0)
        if released:
            logger.warning(
                "outbox: %s row(s) left mid-send by a stopped dispatcher will be sent again",
                released,
            )

    async def _claim(
        self,
        session: AsyncSession,
        chosen: Mapping[Recipient, tuple[Pacer, list[int]]],
        token: str,
        now: datetime,
    ) -> dict[int, OutboxItem]:
        """Mark the chosen rows as being sent by us, in the round's transaction: one UPDATE.

        A row must still be due: one that another dispatcher tried meanwhile and put back
        for a retry waits for its backoff like any other. Nothing else of its conversation
        may be in flight, nor (for a channel with a recipient interval) have left within that
        interval, here or in another worker. On PostgreSQL the conversation rows are locked
        for the claim, so two workers cannot both pass that check for one conversation; a
        conversation another transaction holds is skipped, not waited for.

        Returns:
            The rows claimed, by id: the others were not ours to send.
        """
        if session.get_bind().dialect.name == "postgresql":
            wanted = sorted({conversation for _, conversation in chosen if conversation > 0})
            locked: set[int] = set()
            if wanted:
                locked = set(
                    await session.scalars(
                        select(Conversation.id)
                        .where(Conversation.id.in_(wanted))
                        .order_by(Conversation.id)
                        .with_for_update(skip_locked=True)
                    )
                )
            chosen = {
                key: value for key, value in chosen.items() if key[1] < 0 or key[1] in locked
            }
        item_ids = [item_id for _, picks in chosen.values() for item_id in picks]
        if not item_ids:
            return {}
        sibling = aliased(OutboxItem)
        recent = [sibling.status == SENDING]
        for channel in sorted({channel for channel, _ in chosen}):
            interval = self._pacer(channel).limits.recipient_interval
            if interval:
                recent.append(
                    and_(
                        OutboxItem.channel == channel,
                        sibling.status == OutboxStatus.SENT,
                        sibling.sent_at > now - timedelta(seconds=interval),
                    )
                )
        result = await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_(item_ids),
                OutboxItem.status == OutboxStatus.PENDING,
                OutboxItem.not_before <= now,
                ~exists().where(
                    sibling.conversation_id == OutboxItem.conversation_id,
                    # Rows claimed together are all pending before this statement, whatever
                    # the database lets a subquery see of the statement's own changes.
                    sibling.id.not_in(item_ids),
                    or_(*recent),
                ),
            )
            .values(
                status=SENDING,
                not_before=now,
                claim_token=token,
                lease_until=now + self._lease,
            )
            .returning(OutboxItem)
        )
        return {item.id: item for item in result.scalars()}

    async def _hold(self, item_ids: list[int], token: str) -> None:
        """Renew our lease on a lane's rows for as long as its sends last (cancelled when it
        ends).

        A slow provider, or a Telegram flood wait, must not make the rows look abandoned: that
        would let another dispatcher send one a second time.
        """
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                async with self._sessions.begin() as session:
                    await session.execute(
                        update(OutboxItem)
                        .where(
                            OutboxItem.id.in_(item_ids),
                            OutboxItem.status == SENDING,
                            OutboxItem.claim_token == token,
                        )
                        .values(lease_until=self._clock() + self._lease)
                    )
            except Exception:  # a missed renewal is retried; the send itself goes on
                logger.warning("outbox: could not renew a lease; retrying")

    async def _deliver(
        self, item: OutboxItem, token: str, *, within_budget: bool = False
    ) -> tuple[int, asyncio.Future[None]]:
        """Send one claimed row: 1 if it left, 0 if it failed; and the write of its outcome."""
        recipient, reply, in_reply = decode_full(item.payload)
        kind = kind_of(item.payload)
        channel = self._channels[item.channel]
        now = self._clock()
        try:
            result = await channel.send(
                recipient,
                reply,
                Delivery(delivery_key(item), item.parts_sent, kind, within_budget=within_budget),
            )
        except TemporaryFailureError as error:
            return 0, self._retry(item, token, now, error, in_reply=in_reply)
        except SendCancelledError as error:
            return 0, self._finish(
                item,
                token,
                unsaid=item.message_id if error.unsaid else None,
                status=OutboxStatus.CANCELLED,
                last_error=str(error)[:200],
                message_id=None if error.unsaid else item.message_id,
            )
        except PermanentFailureError as error:
            return 0, self._give_up(item, token, str(error), unreachable=True)
        return 1, self._finish(
            item,
            token,
            status=OutboxStatus.SENT,
            sent_at=now,
            provider_message_id=result.provider_message_id,
            segments=result.segments,
            attempts=item.attempts + 1,
            payload=WIPED,
        )

    def _finish(
        self,
        item: OutboxItem,
        token: str,
        *,
        unreachable: bool = False,
        unsaid: int | None = None,
        **values: object,
    ) -> asyncio.Future[None]:
        """Record the outcome of a send, only if the row is still ours (our claim token).

        A row whose lease ran out may have been claimed by another dispatcher: overwriting it
        would let it be sent a second time, or mark a failed send as sent. A permanent
        failure marks the conversation unreachable in the same transaction, so nobody ever
        sees the failed row without the mark (or the mark without the failure). A message the
        channel declined (``unsaid``: its transcript line) leaves the transcript likewise.

        Outcomes of sends that end together are written in one transaction (see
        :meth:`_record`); the future this returns is done once it is committed.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append(
            _Outcome(item.id, item.conversation_id, token, values, unreachable, unsaid, done)
        )
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record())
        return done

    async def _record(self) -> None:
        """Write the outcomes waiting, a transaction at a time, until none is left.

        Sent rows (nearly all) go in one executemany statement; the rare others one by one.
        """
        while self._outcomes:
            batch: list[_Outcome] = []
            try:
                async with self._sessions.begin() as session:
                    # The batch is taken once the connection is ours: outcomes of sends that
                    # ended while it waited (on SQLite, behind the incoming messages) join it.
                    await session.connection()
                    batch, self._outcomes = self._outcomes, []
                    sent = [o for o in batch if o.values.get("status") == OutboxStatus.SENT]
                    if sent:
                        await session.execute(
                            _RECORD_SENT,
                            [
                                {
                                    "row": o.item_id,
                                    "token": o.token,
                                    **{f"new_{name}": value for name, value in o.values.items()},
                                }
                                for o in sent
                            ],
                        )
                    for outcome in batch:
                        if outcome in sent:
                            continue
                        result = await session.execute(
                            update(OutboxItem)
                            .where(
                                OutboxItem.id == outcome.item_id,
                                OutboxItem.status == SENDING,
                                OutboxItem.claim_token == outcome.token,
                            )
                            .values(claim_token=None, lease_until=None, **outcome.values)
                        )
                        ours = bool(getattr(result, "rowcount", 0))
                        if ours and outcome.unreachable and outcome.conversation_id is not None:
                            await session.execute(
                                update(Conversation)
                                .where(Conversation.id == outcome.conversation_id)
                                .values(unreachable=True)
                            )
                        if ours and outcome.unsaid is not None:
                            await session.execute(
                                delete(Message).where(Message.id == outcome.unsaid)
                            )
            except Exception as error:  # each lane hears of it, as from its own write
                if not batch:  # no connection: what waits fails now, rather than loop
                    batch, self._outcomes = self._outcomes, []
                for outcome in batch:
                    if not outcome.done.done():
                        outcome.done.set_exception(error)
            else:
                for outcome in batch:
                    if not outcome.done.done():
                        outcome.done.set_result(None)

    def _retry(
        self,
        item: OutboxItem,
        token: str,
        now: datetime,
        error: TemporaryFailureError,
        *,
        in_reply: bool,
    ) -> asyncio.Future[None]:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            # Our outage, not the young person's fault: fail the row, keep them reachable.
            return self._give_up(
                item, token, f"gave up after {attempts} attempts: {error}", unreachable=False
            )
        backoff = min(BASE_BACKOFF * (2 ** (attempts - 1)), MAX_BACKOFF)
        if error.retry_after is not None:
            backoff = max(backoff, timedelta(seconds=error.retry_after))
        retry_at = now + backoff
        policy = self._policies.get(item.channel)
        if policy is not None:
            # A reply delayed by an outage is no longer an immediate answer: after a long
            # wait it follows the channel's rules for messages we start (no SMS at night).
            created = item.created_at
            if created.tzinfo is None:  # SQLite hands back naive UTC
                created = created.replace(tzinfo=UTC)
            fresh_reply = in_reply and retry_at - created < STALE_REPLY
            retry_at = policy.earliest(retry_at, in_reply=fresh_reply)
        logger.warning(
            "outbox %s on %s: temporary failure (%s), retry at %s",
            item.id,
            item.channel,
            type(error).__name__,
            retry_at.isoformat(timespec="seconds"),
        )
        return self._finish(
            item,
            token,
            status=OutboxStatus.PENDING,
            attempts=attempts,
            not_before=retry_at,
            last_error=str(error)[:200],
            parts_sent=max(item.parts_sent, error.parts_sent),
        )

    def _give_up(
        self, item: OutboxItem, token: str, reason: str, *, unreachable: bool
    ) -> asyncio.Future[None]:
        logger.warning("outbox %s on %s failed for good", item.id, item.channel)
        return self._finish(
            item,
            token,
            unreachable=unreachable,
            status=OutboxStatus.FAILED,
            last_error=reason[:200],
        )

    async def run_forever(self, *, interval: float = 1.0) -> None:
        """Deliver until stopped, without waiting for sends in flight to start others.

        A round starts lanes and returns; the loop looks again when :attr:`wakeup` is set (a
        new row, a lane that ended), when a recipient passed over becomes due, or after
        ``interval`` seconds. When stopped (:meth:`stop`) or cancelled, sends in flight get
        :data:`DRAIN` to finish.
        """
        self._stopping = False
        try:
            while not self._stopping:
                self.wakeup.clear()
                wake: datetime | None = None
                try:
                    _, wake = await self._start_round()
                except Exception:
                    logger.exception("outbox dispatch round failed; retrying")
                timeout = interval
                if wake is not None:
                    until = (wake - self._clock()).total_seconds()
                    timeout = min(interval, max(MIN_PAUSE, until))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=timeout)
                await asyncio.sleep(MIN_PAUSE)
        finally:
            await self._drain()

    def stop(self) -> None:
        """Ask :meth:`run_forever` to return after its round and its sends in flight: a stop
        that cancelled it mid-statement would leave the database driver a call to answer."""
        self._stopping = True
        self.wakeup.set()

    async def close(self) -> None:
        """Stop for good, and let the sends in flight finish (:data:`DRAIN` at most).

        The owner of the engine calls this before disposing of it. A reply sent at once
        (:meth:`at_once`) runs in a lane that no :meth:`run_forever` may be there to wait
        for (a command, a channel running without the web app): left running, it would
        write its outcome after the database is gone, and the row would be sent a second
        time once its lease ran out. After this, replies wait in the outbox.
        """
        self.stop()
        await self._drain()

    async def _drain(self) -> None:
        """Let sends in flight finish (they are short), then stop any that are not done."""
        if self._lanes:
            _, pending = await asyncio.wait(set(self._lanes), timeout=DRAIN.total_seconds())
            for lane in pending:
                lane.cancel()
            for lane in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await lane
        if self._recorder is not None:  # what the lanes left it to write, before the end
            with contextlib.suppress(Exception):
                await self._recorder
