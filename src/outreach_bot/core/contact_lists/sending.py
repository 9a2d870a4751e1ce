"""Sending a list's first message: planned through the scheduled messages, sent by the outbox.

:meth:`FirstContacts.start` plans one message per person (and one to the legal
representative when the team chose so, the list gives the number and the young person is under
18) as rows of ``scheduled_messages``: the scheduler then applies the sending rules every
message obeys (quiet hours, Sundays and holidays, the SMS daily limit per conversation) and
the outbox delivers. The plan itself keeps the campaign's own guards: ``pace_per_minute``
spaces the due times, and no more than ``daily_budget`` fall on one Paris day, the rest waiting
for the next open morning. When a message falls due, :meth:`FirstContacts.still_wanted`
checks again that the list still runs and the number has not said STOP anywhere.

Pausing cancels what waits and puts the rows back; resuming plans them again from now. A row
is sent once: only rows never sent are planned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.core.contact_lists.blocklist import CHUNK, SMS, blocked_among, phone_hash
from outreach_bot.core.conversation.service import conversation_for
from outreach_bot.core.delivery.outbox import enqueue
from outreach_bot.core.delivery.rules import SendingRules
from outreach_bot.core.outreach.places import upcoming_places
from outreach_bot.core.schedule import Planned, Scheduler, schedule_many
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.contact_lists import (
    ADULT_AGE,
    FIRST_CONTACT_KIND,
    ListPurpose,
    ListStatus,
    RowStatus,
)
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.fields.commune import commune_by_insee
from outreach_bot.domain.fields.phone import is_mobile, parse_phone
from outreach_bot.domain.places import Place, choose_places
from outreach_bot.storage.models import (
    Author,
    ContactList,
    ContactListRow,
    Conversation,
    Direction,
    Message,
    ScheduledMessage,
    ScheduledStatus,
)

logger = logging.getLogger(__name__)

KIND: Final = FIRST_CONTACT_KIND
"""The scheduled messages' kind: its guard is :meth:`FirstContacts.still_wanted`."""
FIRST_MESSAGE: Final[Mapping[ListPurpose, str]] = {
    ListPurpose.TRAINING_OBLIGATION: "first_contact_training",
    ListPurpose.RECONTACT: "first_contact_recontact",
}
REPRESENTATIVE_MESSAGE: Final = "first_contact_representative"
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    "first_contact_training": frozenset({"first_name", "phone", "where"}),
    "first_contact_recontact": frozenset({"first_name", "phone", "where"}),
    REPRESENTATIVE_MESSAGE: frozenset({"first_name", "phone", "where"}),
    "first_contact_place_dated": frozenset({"where", "when"}),
    "first_contact_place_office": frozenset({"where"}),
    "first_contact_place_none": frozenset(),
    "place_weekdays": frozenset(),
}
PREVIEW_NAME: Final = "Léa"
"""The first name a preview shows: an invented one, so a preview never shows a real row."""
MAX_PACE: Final = 600


@dataclass(frozen=True, slots=True)
class Plan:
    """What a start or a resume planned: messages, and rows left out (STOP, already talking)."""

    planned: int
    representatives: int
    left_out: int
    first_due: datetime | None


class FirstContacts:
    """Starts, pauses and resumes list campaigns, and checks each message again when due."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        scheduler: Scheduler,
        content: Content,
        rules: SendingRules,
        *,
        team_phone: str,
    ) -> None:
        content.require_messages(MESSAGE_KEYS)
        self._sessions = sessions
        self._content = content
        self._rules = rules
        self.team_phone = team_phone
        scheduler.guard(KIND, self.still_wanted)

    def _require_phone(self) -> None:
        if not self.team_phone:
            raise InvalidInputError(
                "le numéro de la Mission Locale (OUTREACH_TEAM_PHONE) n'est pas configuré : "
                "le message doit dire quel numéro appeler"
            )

    async def preview(self, list_id: int, *, today: date | None = None) -> list[str]:
        """The message(s) as they will go out, with an invented first name; the commune of
        the list's first row chooses the place shown."""
        today = today or datetime.now(UTC).date()
        async with self._sessions() as session:
            contact_list = await _get(session, list_id)
            insee = await session.scalar(
                select(ContactListRow.commune_insee)
                .where(ContactListRow.list_id == list_id)
                .order_by(ContactListRow.line)
                .limit(1)
            )
            places = await _places(session, today)
        where = self._where(places, insee or "", today)
        values = {"first_name": PREVIEW_NAME, "phone": self.team_phone or "…", "where": where}
        texts = [
            self._content.message(FIRST_MESSAGE[ListPurpose(contact_list.purpose)], "fr", **values)
        ]
        if contact_list.contact_representatives:
            texts.append(self._content.message(REPRESENTATIVE_MESSAGE, "fr", **values))
        return texts

    async def start(self, list_id: int, *, now: datetime | None = None) -> Plan:
        """Plan the first message of every row not sent yet; also how a paused list resumes.

        Raises:
            NotFoundError: no such list.
            ConflictError: the list runs already.
            InvalidInputError: the team's phone number is not configured.
        """
        self._require_phone()
        now = (now or datetime.now(UTC)).astimezone(UTC)
        async with self._sessions.begin() as session:
            contact_list = await _get(session, list_id, lock=True)
            if contact_list.status == ListStatus.RUNNING:
                raise ConflictError("la campagne est déjà en cours")
            plan = await self._plan(session, contact_list, now)
            contact_list.status = ListStatus.RUNNING
            contact_list.started_at = contact_list.started_at or now
        logger.info(
            "contact list %s started: %s planned, %s left out",
            list_id,
            plan.planned,
            plan.left_out,
        )
        return plan

    async def pause(self, list_id: int, *, now: datetime | None = None) -> int:
        """Cancel what waits and put those rows back; how many messages were held back.

        Raises:
            NotFoundError: no such list.
            ConflictError: the list is not running.
        """
        now = now or datetime.now(UTC)
        async with self._sessions.begin() as session:
            contact_list = await _get(session, list_id, lock=True)
            if contact_list.status != ListStatus.RUNNING:
                raise ConflictError("la campagne n'est pas en cours")
            conversations = select(ContactListRow.conversation_id).where(
                ContactListRow.list_id == list_id,
                ContactListRow.status == RowStatus.SCHEDULED,
            )
            representatives = select(ContactListRow.representative_conversation_id).where(
                ContactListRow.list_id == list_id,
                ContactListRow.status == RowStatus.SCHEDULED,
            )
            result = await session.execute(
                update(ScheduledMessage)
                .where(
                    ScheduledMessage.kind == KIND,
                    ScheduledMessage.status == ScheduledStatus.PENDING,
                    or_(
                        ScheduledMessage.conversation_id.in_(conversations),
                        ScheduledMessage.conversation_id.in_(representatives),
                    ),
                )
                .values(status=ScheduledStatus.CANCELLED, reason="paused", done_at=now)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(ContactListRow)
                .where(
                    ContactListRow.list_id == list_id,
                    ContactListRow.status == RowStatus.SCHEDULED,
                )
                .values(status=RowStatus.WAITING, updated_at=now)
            )
            contact_list.status = ListStatus.PAUSED
        held = int(getattr(result, "rowcount", 0) or 0)
        logger.info("contact list %s paused: %s message(s) held back", list_id, held)
        return held

    async def test_send(self, list_id: int, phone: str, *, now: datetime | None = None) -> None:
        """Send the list's message to a member of staff's own phone, as a young person gets it.

        It goes through the outbox like any message (so the quiet hours hold it too); the
        staff phone's conversation is an ordinary SMS conversation.

        Raises:
            InvalidInputError: not a mobile number, or the team's number is not configured.
        """
        self._require_phone()
        number = parse_phone(phone)
        if number is None or not is_mobile(number):
            raise InvalidInputError("un numéro de portable, par ex. 06 12 34 56 78")
        now = now or datetime.now(UTC)
        texts = await self.preview(list_id, today=now.date())
        async with self._sessions.begin() as session:
            conversation = await conversation_for(session, channel=SMS, sender_id=number, now=now)
            assert conversation is not None  # noqa: S101 - create=True never returns None
            for index, text in enumerate(texts):
                line = Message(
                    conversation_id=conversation.id,
                    direction=Direction.OUTBOUND,
                    author=Author.BOT,
                    text=text,
                    created_at=now,
                )
                session.add(line)
                await session.flush()
                await enqueue(
                    session,
                    conversation,
                    Reply(text),
                    dedupe=f"first_contact_test:{list_id}:{now.isoformat()}:{index}",
                    in_reply=False,
                    message_id=line.id,
                    not_before=now,
                )
        logger.info("contact list %s: test message queued to staff", list_id)

    async def still_wanted(
        self,
        session: AsyncSession,
        item: ScheduledMessage,
        conversation: Conversation,
        now: datetime,
    ) -> str | None:
        """The send-time check: the list still runs, the row was not sent, nobody said STOP."""
        found = (
            await session.execute(
                select(ContactListRow, ContactList)
                .join(ContactList, ContactList.id == ContactListRow.list_id)
                .where(
                    or_(
                        ContactListRow.conversation_id == conversation.id,
                        ContactListRow.representative_conversation_id == conversation.id,
                    ),
                    ContactListRow.status.in_([RowStatus.SCHEDULED, RowStatus.SENT]),
                )
                .order_by(ContactListRow.id.desc())
                .limit(1)
            )
        ).first()
        if found is None:
            return "not on a list any more"
        row, contact_list = found
        if contact_list.status != ListStatus.RUNNING:
            return "paused"
        if await blocked_among(session, {conversation.sender_hash}):
            row.status = RowStatus.STOPPED
            return "stop"
        if row.conversation_id == conversation.id:
            if row.status != RowStatus.SCHEDULED:
                return "sent already"
            row.status = RowStatus.SENT
            row.sent_at = now
            row.updated_at = now
        return None

    async def _plan(self, session: AsyncSession, contact_list: ContactList, now: datetime) -> Plan:
        """Decide each row's due time, then write everything in a few statements: the SMS
        conversations (created in bulk where missing), the scheduled messages, the rows."""
        rows = (
            await session.execute(
                select(
                    ContactListRow.id,
                    ContactListRow.phone,
                    ContactListRow.phone_hash,
                    ContactListRow.first_name,
                    ContactListRow.birth_date,
                    ContactListRow.commune_insee,
                    ContactListRow.representative_phone,
                )
                .where(
                    ContactListRow.list_id == contact_list.id,
                    ContactListRow.status == RowStatus.WAITING,
                )
                .order_by(ContactListRow.line)
            )
        ).all()
        hashes = {row.phone_hash for row in rows}
        blocked = await blocked_among(session, hashes)
        talking = await self._talking(session, contact_list.id, hashes)
        today = now.astimezone(self._rules.zone).date()
        places = await _places(session, today)
        per_day = await self._sent_per_day(session, contact_list.id)
        step = timedelta(minutes=1) / max(1, min(contact_list.pace_per_minute, MAX_PACE))
        due = self._rules.next_open(now)
        message = FIRST_MESSAGE[ListPurpose(contact_list.purpose)]
        where: dict[str, str] = {}
        # (row id, phone, due, message key, values, for the representative)
        planned: list[tuple[int, str, datetime, str, dict[str, str], bool]] = []
        changes: list[dict[str, object]] = []
        first_due: datetime | None = None
        for row in rows:
            if row.phone_hash in blocked or row.phone_hash in talking:
                # STOP somewhere; or they write to us already: no cold message.
                status = RowStatus.STOPPED if row.phone_hash in blocked else RowStatus.SKIPPED
                changes.append({"id": row.id, "status": status, "updated_at": now})
                continue
            due = self._within_budget(due, per_day, contact_list.daily_budget)
            if row.commune_insee not in where:
                where[row.commune_insee] = self._where(places, row.commune_insee, today)
            values = {
                "first_name": row.first_name,
                "phone": self.team_phone,
                "where": where[row.commune_insee],
            }
            planned.append((row.id, row.phone, due, message, values, False))
            first_due = first_due or due
            _count(per_day, due, self._rules)
            representative = row.representative_phone
            if representative and self._for_representative(
                contact_list, row.birth_date, representative, today, blocked
            ):
                due = self._within_budget(
                    self._rules.next_open(due + step), per_day, contact_list.daily_budget
                )
                planned.append((row.id, representative, due, REPRESENTATIVE_MESSAGE, values, True))
                _count(per_day, due, self._rules)
            due = self._rules.next_open(due + step)
        conversations = await self._conversations(
            session, {phone for _, phone, *_ in planned}, contact_list.campaign_id, now
        )
        await schedule_many(
            session,
            [
                Planned(conversations[phone], due_at, key, values)
                for _, phone, due_at, key, values, _ in planned
            ],
            kind=KIND,
            now=now,
        )
        scheduled: dict[int, dict[str, object]] = {}
        for row_id, phone, _, _, _, for_representative in planned:
            change = scheduled.setdefault(
                row_id,
                {
                    "id": row_id,
                    "status": RowStatus.SCHEDULED,
                    "updated_at": now,
                    "representative_conversation_id": None,
                },
            )
            column = "representative_conversation_id" if for_representative else "conversation_id"
            change[column] = conversations[phone]
        changes.extend(scheduled.values())
        await _update_rows(session, changes)
        representatives = sum(1 for *_, for_representative in planned if for_representative)
        return Plan(
            planned=len(scheduled),
            representatives=representatives,
            left_out=len(rows) - len(scheduled),
            first_due=first_due,
        )

    async def _talking(self, session: AsyncSession, list_id: int, hashes: set[str]) -> set[str]:
        """Numbers that write to us on SMS already, other than through this list."""
        found: set[str] = set()
        ordered = list(hashes)
        ours = select(ContactListRow.conversation_id).where(
            ContactListRow.list_id == list_id, ContactListRow.conversation_id.is_not(None)
        )
        for start in range(0, len(ordered), CHUNK):
            found.update(
                await session.scalars(
                    select(Conversation.sender_hash).where(
                        Conversation.channel == SMS,
                        Conversation.sender_hash.in_(ordered[start : start + CHUNK]),
                        Conversation.id.not_in(ours),
                    )
                )
            )
        return found

    def _for_representative(
        self,
        contact_list: ContactList,
        birth_date: str,
        representative: str,
        today: date,
        blocked: set[str],
    ) -> bool:
        """Only when the team chose so, the list gives the number, and the young person is
        a minor today; never to a number that said STOP."""
        if not contact_list.contact_representatives:
            return False
        born = date.fromisoformat(birth_date)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age >= ADULT_AGE:
            return False
        return phone_hash(representative) not in blocked

    async def _conversations(
        self,
        session: AsyncSession,
        phones: set[str],
        campaign_id: int | None,
        now: datetime,
    ) -> dict[str, int]:
        """The SMS conversation of each number (created in bulk where missing), attributed to
        the list's campaign; number → conversation id.

        A number that starts writing to us between the check and the insert makes the insert
        fail on the unique (channel, sender) index: the whole start rolls back and can be
        tried again, nothing half done.
        """
        by_hash = {phone_hash(phone): phone for phone in phones}
        ids = await self._conversation_ids(session, set(by_hash))
        missing = [value for value in by_hash if value not in ids]
        known = list(ids.values())
        for start in range(0, len(missing), CHUNK):
            # RETURNING gives the new ids at once: reading them back by hash cost seconds on
            # PostgreSQL, whose planner has no statistics yet on freshly inserted rows.
            created = await session.execute(
                insert(Conversation)
                .returning(Conversation.sender_hash, Conversation.id)
                .execution_options(render_nulls=True),
                [
                    {
                        "channel": SMS,
                        "sender_hash": value,
                        "sender_ref": by_hash[value],
                        "created_at": now,
                        "last_message_at": now,
                        "campaign_id": campaign_id,
                    }
                    for value in missing[start : start + CHUNK]
                ],
            )
            ids.update({str(row[0]): int(row[1]) for row in created.all()})
        for start in range(0, len(known), CHUNK):
            await session.execute(
                update(Conversation)
                .where(Conversation.id.in_(known[start : start + CHUNK]))
                .values(campaign_id=campaign_id)
            )
        return {by_hash[value]: conversation_id for value, conversation_id in ids.items()}

    @staticmethod
    async def _conversation_ids(session: AsyncSession, hashes: set[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        ordered = list(hashes)
        for start in range(0, len(ordered), CHUNK):
            rows = await session.execute(
                select(Conversation.sender_hash, Conversation.id).where(
                    Conversation.channel == SMS,
                    Conversation.sender_hash.in_(ordered[start : start + CHUNK]),
                )
            )
            found.update({str(row[0]): int(row[1]) for row in rows.all()})
        return found

    def _within_budget(self, due: datetime, per_day: dict[date, int], budget: int) -> datetime:
        """``due``, or the first open moment of the next day with room in the budget."""
        while per_day.get(due.astimezone(self._rules.zone).date(), 0) >= budget:
            local = due.astimezone(self._rules.zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
            due = self._rules.next_open(midnight)
        return due

    async def _sent_per_day(self, session: AsyncSession, list_id: int) -> dict[date, int]:
        """Messages of this list already sent, per Paris day (a resumed list keeps its budget)."""
        sent = await session.scalars(
            select(ContactListRow.sent_at).where(
                ContactListRow.list_id == list_id, ContactListRow.sent_at.is_not(None)
            )
        )
        per_day: dict[date, int] = {}
        for moment in sent:
            if moment is not None:
                _count(
                    per_day, moment if moment.tzinfo else moment.replace(tzinfo=UTC), self._rules
                )
        return per_day

    def _where(self, places: list[Place], insee: str, today: date) -> str:
        """The nearest permanence or office to the row's commune, from Places."""
        answer = choose_places(places, today=today, near=commune_by_insee(insee))
        if not answer.places:
            return self._content.message("first_contact_place_none", "fr")
        place = answer.places[0]
        where = ", ".join(part for part in (place.name, place.commune_name) if part)
        if place.held_on is None:
            return self._content.message("first_contact_place_office", "fr", where=where)
        weekdays = self._content.message("place_weekdays", "fr").split(",")
        when = f"{weekdays[place.held_on.weekday()].strip()} {place.held_on:%d/%m}"
        if place.hours:
            when = f"{when}, {place.hours}"
        return self._content.message("first_contact_place_dated", "fr", where=where, when=when)


async def _update_rows(session: AsyncSession, changes: list[dict[str, object]]) -> None:
    """Each row's new status (and conversations), by primary key, a thousand per statement."""
    by_columns: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for change in changes:
        by_columns.setdefault(tuple(sorted(change)), []).append(change)
    for group in by_columns.values():
        for start in range(0, len(group), 1000):
            await session.execute(update(ContactListRow), group[start : start + 1000])


def _count(per_day: dict[date, int], moment: datetime, rules: SendingRules) -> None:
    day = moment.astimezone(rules.zone).date()
    per_day[day] = per_day.get(day, 0) + 1


async def _get(session: AsyncSession, list_id: int, *, lock: bool = False) -> ContactList:
    query = select(ContactList).where(ContactList.id == list_id)
    contact_list = await session.scalar(query.with_for_update() if lock else query)
    if contact_list is None or contact_list.purged_at is not None:
        raise NotFoundError(f"contact list {list_id}")
    return contact_list


async def _places(session: AsyncSession, today: date) -> list[Place]:
    return await upcoming_places(session, today=today)
