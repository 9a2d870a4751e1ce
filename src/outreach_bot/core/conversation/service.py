"""Handle one inbound message end to end: store it, understand it, answer it, apply effects.

This is the single place where a conversation changes. Every channel calls
:meth:`ConversationService.handle_inbound`; the unit of work is one message.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple

from sqlalchemy import Select, and_, bindparam, delete, exists, false, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.channel import (
    Attachment,
    InboundMessage,
    MediaTooLargeError,
    MediaUnavailableError,
)
from outreach_bot.core.contact_lists.blocklist import (
    block,
    erase_list_rows,
    hashes_of_conversation,
)
from outreach_bot.core.contact_lists.replies import (
    first_contact_waiting,
    settle_answer,
    waiting_row,
)
from outreach_bot.core.conversation.crisis import crisis_clues, crisis_reading
from outreach_bot.core.delivery.outbox import (
    CRISIS_PRIORITY,
    AtOnce,
    OutboxDispatcher,
    encode,
    insert_outbox_rows,
)
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.figures.stats import record_erasure
from outreach_bot.core.followups.alerts import record_alert
from outreach_bot.core.followups.appointments import (
    cannot_come,
    next_appointment,
    wants_new_slot,
)
from outreach_bot.core.leads.sectors import sector_for
from outreach_bot.core.leads.takeover import hold_crisis_text
from outreach_bot.core.locks import KeyedLocks
from outreach_bot.core.media import MediaPolicy, Problem, drop_held, erase_media, keep_held
from outreach_bot.core.media import store_media as store_file
from outreach_bot.core.outreach.places import (
    places_for_question,
    practical_question_in,
    town_named_in,
)
from outreach_bot.core.partners.referrals import (
    end_referrals,
    pending_question,
    question_waiting,
    record_answer,
)
from outreach_bot.core.schedule import cancel_pending
from outreach_bot.dialogue.engine import DialogueEngine, Outcome
from outreach_bot.dialogue.replies import Reply
from outreach_bot.dialogue.state import DialogueState, Step
from outreach_bot.dialogue.turn import Effects, LeadDraft, Turn, fold
from outreach_bot.domain.campaigns import code_problem, normalise_code
from outreach_bot.domain.contact_details import gives_phone_number, strip_contact_details
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.fields import home_commune_in, parse_phone
from outreach_bot.domain.leads import CLOSED_STATUSES, LeadStatus
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.domain.places import team_today
from outreach_bot.domain.questions import PLACE_KINDS, question_kinds
from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    AuditEntry,
    Author,
    Campaign,
    Consent,
    Conversation,
    Direction,
    Lead,
    Message,
    OutboxItem,
    OutboxStatus,
    ScheduledMessage,
    UnderstoodGap,
    VisitAlert,
)

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH: Final = 4000
"""Longer messages are cut: no young person types more, and it bounds NLU and storage cost."""
TOPIC_STEPS: Final = frozenset({Step.IDLE, Step.OFFER_LEAD})
"""Where a typed message may be a topic question (not an answer to the form's questions)."""

CRISIS_LEAD: Final = LeadDraft(consent_at=None, urgent=True, topic="crisis")
"""The lead a crisis opens when none is waiting: no consent asked, vital interest is the basis."""


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What the channel needs to answer: the replies, whether this was a resend, whether
    everything about this sender was just erased (the web chat then clears its screen too),
    whether a counsellor holds the conversation (the web chat's header says so), and the
    conversation's language after this turn (the web chat turns right-to-left for Arabic and
    shows its own labels in that language)."""

    conversation_id: int
    replies: list[Reply]
    duplicate: bool = False
    erased: bool = False
    referral_agreed: bool = False
    held: bool = False
    locale: str = "fr"
    opened: bool = False
    """This message began the conversation: all it has queued today is this turn's replies."""


class ConversationService:
    """Owns the conversation lifecycle; channels and the console only call this."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        nlu: NluBackend,
        engine: DialogueEngine,
        events: EventBus,
        queued_channels: frozenset[str] = frozenset(),
        on_queued: Callable[[], None] = lambda: None,
        outbox: OutboxDispatcher | None = None,
        referral_consent_version: str = "",
        on_referral_agreed: Callable[[], None] = lambda: None,
        media_policy: MediaPolicy | None = None,
        crisis_wait: timedelta = timedelta(minutes=10),
    ) -> None:
        self._sessions = sessions
        self._crisis_wait = crisis_wait
        self._media_policy = media_policy or MediaPolicy()
        self._referral_consent_version = referral_consent_version
        self._on_referral_agreed = on_referral_agreed
        self._nlu = nlu
        self._engine = engine
        self._events = events
        self._queued_channels = queued_channels
        self._on_queued = on_queued
        self._outbox = outbox
        self._locks = KeyedLocks()

    @property
    def media_policy(self) -> MediaPolicy:
        """The limit and the allowed types, for an adapter that receives the bytes itself
        (the web chat's upload) and must refuse a file with an HTTP status before the core."""
        return self._media_policy

    async def handle_inbound(
        self, message: InboundMessage, *, now: datetime | None = None
    ) -> InboundResult:
        """Store, understand and answer ``message``.

        Messages of one conversation are handled one at a time, in arrival order, so two
        messages sent at once never both act on the same state.

        Raises:
            InvalidInputError: no sender or no channel.
        """
        if not message.sender_id or not message.channel:
            raise InvalidInputError("a message needs a channel and a sender")
        now = now or datetime.now(UTC)
        text = message.text.strip()[:MAX_TEXT_LENGTH]
        sender_hash = current_cipher().lookup_hash(f"{message.channel}:{message.sender_id}")
        start_code, text = _split_start(text)
        if start_code is None and text:
            start_code, text = await self._leading_keyword(message.channel, sender_hash, text)
        prediction = await self._understand(text, start_code)
        nameless = await self._without_commune(text)
        crisis_ranking = None if nameless is None else nameless.ranking
        if nameless is not None and nameless.ranking:
            # "jsuis a beney en woevre jcherche du boulo": the village's name says nothing of
            # the topic either; the guesses without it answer the question.
            prediction = nameless
        async with self._locks.hold(sender_hash):
            with self._at_once() as sending:
                result, events = await self._handle(
                    message=message,
                    text=text,
                    start_code=start_code,
                    prediction=prediction,
                    crisis_ranking=crisis_ranking,
                    now=now,
                    sending=sending,
                )
        if message.channel in self._queued_channels and result.replies and _left(sending):
            self._on_queued()
        if result.referral_agreed:
            self._on_referral_agreed()  # the partner's e-mail leaves once this is committed
        for event in events:
            await self._events.publish(event)
        return result

    async def handle_media(
        self, message: InboundMessage, attachment: Attachment, *, now: datetime | None = None
    ) -> InboundResult:
        """Receive a voice note, photo or document: check it, store it, answer kindly.

        The one call every channel makes for a file (``message.text`` is its caption, unused).
        The declared size and type are checked first, so a refused file is not downloaded;
        then ``attachment.fetch`` downloads at most ``OUTREACH_MEDIA_MAX_BYTES`` and the type
        is read from the bytes. A file that passes is stored encrypted, in the same
        transaction as its transcript line and the answer: ``kept`` on the open lead when
        the person already has one with the team, else ``held`` until they answer the
        consent question (kept on the lead it creates, dropped if they refuse, purged after
        ``OUTREACH_MEDIA_HOLD_DAYS`` if they never answer). A refused file is answered kindly
        and nothing of it is kept. A resend of the same message id is answered once.

        A caption (``message.text``: words sent with the file, "c'est ma fiche de paie") is
        then handled as a message of its own (id ``<message id>:caption``), so a question
        asked with a photo is answered; the file then gets only its thanks.

        Raises:
            InvalidInputError: no sender or no channel.
        """
        if not message.sender_id or not message.channel:
            raise InvalidInputError("a message needs a channel and a sender")
        now = now or datetime.now(UTC)
        policy = self._media_policy
        data: bytes | None = None
        problem = policy.before_download(attachment.declared_type, attachment.declared_size)
        if problem is None:
            try:
                data = await attachment.fetch(policy.max_bytes)
            except MediaTooLargeError:
                problem = Problem.TOO_BIG
            except MediaUnavailableError:
                problem = Problem.UNAVAILABLE
        content_type = policy.content_type(data) if data is not None else None
        if isinstance(content_type, Problem):
            problem, content_type = content_type, None
        caption = message.text.strip()
        result = await self._store_media(
            message, attachment, data, content_type, problem, caption=bool(caption), now=now
        )
        if not caption:
            return result
        words = await self.handle_inbound(
            replace(
                message,
                text=caption,
                message_id=f"{message.message_id}:caption" if message.message_id else None,
            ),
            now=now,
        )
        return replace(
            words,
            replies=result.replies + words.replies,
            duplicate=result.duplicate and words.duplicate,
        )

    async def _store_media(
        self,
        message: InboundMessage,
        attachment: Attachment,
        data: bytes | None,
        content_type: str | None,
        problem: Problem | None,
        *,
        caption: bool,
        now: datetime,
    ) -> InboundResult:
        """The file's transaction: its transcript line, the file if it passed, the answer."""
        sender_hash = current_cipher().lookup_hash(f"{message.channel}:{message.sender_id}")
        async with self._locks.hold(sender_hash):
            with self._at_once() as sending:
                result, events = await self._media_turn(
                    message,
                    attachment,
                    data=data,
                    content_type=content_type,
                    problem=problem,
                    caption=caption,
                    now=now,
                    sending=sending,
                )
        if message.channel in self._queued_channels and result.replies and _left(sending):
            self._on_queued()
        for event in events:
            await self._events.publish(event)
        return result

    @contextlib.contextmanager
    def _at_once(self) -> Iterator[AtOnce | None]:
        """The outbox's claim of a turn's replies, sent when the turn commits (none without
        a dispatcher)."""
        if self._outbox is None:
            yield None
            return
        with self._outbox.at_once() as sending:
            yield sending

    async def _media_turn(
        self,
        message: InboundMessage,
        attachment: Attachment,
        *,
        data: bytes | None,
        content_type: str | None,
        problem: Problem | None,
        caption: bool,
        now: datetime,
        sending: AtOnce | None,
    ) -> tuple[InboundResult, list[TeamEvent]]:
        """The body of :meth:`_store_media`: one transaction."""
        async with self._sessions.begin() as session:
            conversation, open_lead, seen, *_ = await _load_for_turn(
                session,
                channel=message.channel,
                sender_id=message.sender_id,
                message_id=message.message_id,
                now=now,
            )
            if seen:
                replies = await _replies_already_given(session, conversation.id, message)
                result = InboundResult(
                    conversation.id, replies, duplicate=True, locale=conversation.locale
                )
                return result, []
            state = DialogueState.from_json(conversation.state)
            turn = Turn(
                text="",
                intent="media",
                confidence=1.0,
                channel=message.channel,
                today=team_today(now),
                human_active=bool(
                    conversation.takeover_until and _aware(conversation.takeover_until) > now
                ),
                opted_out=conversation.opted_out,
                has_open_lead=open_lead is not None,
            )
            outcome = self._engine.file_received(
                state, turn, kind=attachment.kind, problem=problem, caption=caption
            )
            if outcome.effects.opt_in:
                conversation.opted_out = False
            conversation.last_message_at = now
            conversation.state = outcome.state.to_json()
            inbound = _message_row(
                conversation.id,
                Direction.INBOUND,
                Author.YOUNG_PERSON,
                f"{attachment.kind}:{problem}" if problem else attachment.kind,
                now,
                channel_message_id=message.message_id,
                intent="media",
                confidence=1.0,
            )
            rows = await self._record_messages(
                session,
                conversation,
                inbound,
                outcome.replies,
                message=message,
                now=now,
                sending=sending,
            )
            if data is not None and content_type is not None:
                await store_file(
                    session,
                    conversation_id=conversation.id,
                    lead_id=open_lead.id if open_lead is not None else None,
                    message_id=rows[0] if rows else None,
                    kind=attachment.kind,
                    content_type=content_type,
                    data=data,
                    filename=attachment.filename,
                    now=now,
                )
            events: list[TeamEvent] = []
            if open_lead is not None and data is not None and content_type is not None:
                events.append(
                    TeamEvent(
                        "message",
                        conversation.id,
                        open_lead.id,
                        open_lead.sector_id,
                        urgent=open_lead.urgent,
                    )
                )
        return InboundResult(conversation.id, outcome.replies, locale=conversation.locale), events

    @property
    def busy_senders(self) -> int:
        """Conversations being handled or waiting right now (the size of the lock map)."""
        return len(self._locks)

    async def _understand(self, text: str, start_code: str | None) -> Prediction:
        if not text:
            return Prediction("greet", 1.0)
        return await self._nlu.parse(text)

    async def _without_commune(self, text: str) -> Prediction | None:
        """The classifier's guesses for a message naming a Meuse commune, read without the name
        (see :func:`crisis_reading`); None when it names none. A message that is only the name
        ("Verdun") has no guesses left: an empty ranking, and the message's own guess stands."""
        reading = crisis_reading(text)
        if reading is None:
            return None
        return await self._nlu.parse(reading) if reading else Prediction("out_of_scope", 0.0)

    async def _handle(
        self,
        *,
        message: InboundMessage,
        text: str,
        start_code: str | None,
        prediction: Prediction,
        crisis_ranking: tuple[tuple[str, float], ...] | None,
        now: datetime,
        sending: AtOnce | None,
    ) -> tuple[InboundResult, list[TeamEvent]]:
        async with self._sessions.begin() as session:
            conversation, open_lead, seen, asked, listed, opened = await _load_for_turn(
                session,
                channel=message.channel,
                sender_id=message.sender_id,
                message_id=message.message_id,
                now=now,
            )
            if seen:
                logger.info(
                    "duplicate inbound %s on conversation %s",
                    escape_for_log(message.message_id),
                    conversation.id,
                )
                replies = await _replies_already_given(session, conversation.id, message)
                result = InboundResult(
                    conversation.id, replies, duplicate=True, locale=conversation.locale
                )
                return result, []
            await self._attribute(session, conversation, start_code)
            state = DialogueState.from_json(conversation.state)
            # Where to meet the team changes every week: read it only when it may be asked
            # (the topic, or a practical question: phone, hours, walk-in, where, a postal code;
            # "c'est où ?" after any topic is answered from the places too; a Meuse town named
            # with a topic outside the form, "un taf vers stenay", gets the places near it).
            places = (
                await places_for_question(session, text, today=team_today(now))
                if "mission_locale_info"
                in {prediction.intent, state.topic, text.partition("{")[0].lstrip("/")}
                or practical_question_in(text)
                or PLACE_KINDS & set(question_kinds(text))
                or (state.step in TOPIC_STEPS and town_named_in(text))
                else None
            )
            # Read only while a referral question waits: ordinary turns keep their one read.
            question = await pending_question(session, conversation.id) if asked else None
            # The same for a contact list's first message waiting for its answer.
            first_contact = await waiting_row(session, conversation.id) if listed else None
            until = conversation.takeover_until
            held = until is not None and _aware(until) > now
            # A number handed over before consent is read back only while consent is asked:
            # with a yes, the form offers it instead of asking for one.
            given_phone = (
                await _number_given(session, conversation.id)
                if state.number_given and state.step is Step.CONSENT
                else None
            )
            # The same for a Meuse town said as home ("jhabite a stenay"): the commune
            # question offers it.
            given_commune = (
                await _home_named(session, conversation.id)
                if state.commune_named and state.step is Step.CONSENT
                else None
            )
            turn = Turn(
                # An empty message or a bare /start opens the conversation like a greeting.
                text=text or "/greet",
                intent=prediction.intent,
                confidence=prediction.confidence,
                channel=message.channel,
                today=team_today(now),
                crisis=crisis_clues(text),
                ranking=prediction.ranking,
                crisis_ranking=crisis_ranking,
                sender_phone=message.sender_phone,
                given_phone=given_phone,
                given_commune=given_commune,
                human_active=held,
                takeover_ended=conversation.takeover_until is not None and not held,
                opted_out=conversation.opted_out,
                # An answer to a list's first message opens a lead in this very turn.
                has_open_lead=open_lead is not None or first_contact is not None,
                first_contact=first_contact is not None,
                places=places,
                referral_organisation=question.organisation if question else None,
                appointment_planned=open_lead is not None
                and await next_appointment(session, conversation.id, now) is not None,
                page_language=message.language,
            )
            if turn.takeover_ended:
                # Said once, in this answer: the takeover is over for good.
                conversation.takeover_until = None
                conversation.takeover_by = None
            # Read before the step, which moves the state on to the next buttons.
            chosen = state.chosen_button(text) if text else None
            outcome = self._engine.step(state, turn)
            inbound = _message_row(
                conversation.id,
                Direction.INBOUND,
                Author.YOUNG_PERSON,
                message.text[:MAX_TEXT_LENGTH],
                now,
                channel_message_id=message.message_id,
                intent=prediction.intent,
                confidence=prediction.confidence,
                button_title=chosen,
            )
            if outcome.effects.erase:
                # The erasure first tallies the conversation's anonymous counts, this one too.
                session.add(Message(**inbound))
            conversation.last_message_at = now
            conversation.locale = outcome.state.locale
            conversation.state = outcome.state.to_json()
            if question is not None and outcome.effects.referral_agreed is not None:
                await record_answer(
                    session,
                    question,
                    agreed=outcome.effects.referral_agreed,
                    consent_text_version=self._referral_consent_version,
                    channel=message.channel,
                    now=now,
                )
            events = await self._apply(
                session=session,
                conversation=conversation,
                outcome=outcome,
                message=message,
                text=text,
                prediction=prediction,
                now=now,
            )
            if first_contact is not None and not outcome.effects.erase:
                draft = await settle_answer(
                    session,
                    first_contact,
                    conversation,
                    wrong_number=outcome.effects.wrong_number,
                    stopped=outcome.effects.opt_out,
                    now=now,
                )
                # A crisis in the answer has opened an urgent lead already: no second one.
                if draft is not None and await _open_lead(session, conversation.id) is None:
                    lead = await add_lead(
                        session,
                        conversation,
                        draft,
                        consent_id=None,
                        channel=message.channel,
                        contact_here=True,
                        now=now,
                    )
                    events.append(created_event(lead))
            if turn.human_active and not outcome.effects.erase:
                # A counsellor has taken over: their lead page shows this answer live.
                latest = await session.scalar(
                    select(Lead)
                    .where(Lead.conversation_id == conversation.id)
                    .order_by(Lead.id.desc())
                    .limit(1)
                )
                if latest is not None:
                    events.append(
                        TeamEvent(
                            "message",
                            conversation.id,
                            latest.id,
                            latest.sector_id,
                            urgent=latest.urgent,
                        )
                    )
            if not outcome.effects.erase:
                await self._record_messages(
                    session,
                    conversation,
                    inbound,
                    outcome.replies,
                    message=message,
                    now=now,
                    # A crisis answer (3114, the team told) leaves before anything queued.
                    priority=CRISIS_PRIORITY if outcome.effects.urgent else 0,
                    sending=sending,
                    opened=opened,
                )
            else:
                await self._queue_after_erase(session, conversation, outcome.replies, message, now)
            result = InboundResult(
                conversation.id,
                outcome.replies,
                erased=outcome.effects.erase,
                referral_agreed=bool(question and outcome.effects.referral_agreed),
                held=turn.human_active and not outcome.effects.erase,
                locale=outcome.state.locale,
                opened=opened,
            )
            return result, events

    async def _leading_keyword(
        self, channel: str, sender_hash: str, text: str
    ) -> tuple[str | None, str]:
        """A first message that starts with a campaign code (the poster's SMS keyword) counts
        as ``/start CODE``: attributed, and greeted like a deep link when nothing follows.

        Only a first message: later, a word that happens to be a code is just a word.
        """
        first_word, _, rest = text.partition(" ")
        code = normalise_code(first_word)
        if code is None or code_problem(code) is not None:
            return None, text  # "salut", "stop"…: no campaign can have this code
        known = exists().where(
            Conversation.channel == channel, Conversation.sender_hash == sender_hash
        )
        async with self._sessions() as session:
            campaign_id = await session.scalar(
                select(Campaign.id).where(Campaign.code == code, ~known)
            )
        if campaign_id is None:
            return None, text
        return code, rest.strip()

    async def _attribute(
        self, session: AsyncSession, conversation: Conversation, start_code: str | None
    ) -> None:
        """``/start CODE`` on any channel (deep link, web chat, SMS keyword) sets the campaign."""
        code = normalise_code(start_code) if start_code else None
        if code is None:
            return
        campaign_id = await session.scalar(select(Campaign.id).where(Campaign.code == code))
        if campaign_id is not None:
            conversation.campaign_id = campaign_id

    async def _apply(
        self,
        *,
        session: AsyncSession,
        conversation: Conversation,
        outcome: Outcome,
        message: InboundMessage,
        text: str,
        prediction: Prediction,
        now: datetime,
    ) -> list[TeamEvent]:
        effects: Effects = outcome.effects
        events: list[TeamEvent] = []
        if effects.opt_in:
            conversation.opted_out = False
        if effects.opt_out:
            conversation.opted_out = True
            # A STOP anywhere blocks every contact list, for good: writing to us again
            # reopens the conversation, never the lists (docs/privacy.md).
            numbers = await hashes_of_conversation(session, conversation)
            await block(session, numbers, source=conversation.channel, now=now)
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.conversation_id == conversation.id,
                    OutboxItem.status == OutboxStatus.PENDING,
                )
                .values(status=OutboxStatus.CANCELLED)
            )
            await cancel_pending(session, conversation.id, reason="stop", now=now)
        if effects.not_understood and text:
            session.add(
                UnderstoodGap(
                    conversation_id=conversation.id,
                    text=strip_contact_details(text),
                    guess=prediction.intent,
                    confidence=prediction.confidence,
                    created_at=now,
                )
            )
        if effects.urgent:
            event, urgent_lead = await alert_team(
                session,
                conversation,
                effects.lead or CRISIS_LEAD,
                channel=message.channel,
                now=now,
                consent_text_version=effects.consent_text_version,
            )
            events.append(event)
            effects.lead = None
            if effects.held_crisis is not None:
                # Guessed during a takeover: the counsellor first, the bot if nobody answers.
                await hold_crisis_text(
                    session,
                    conversation,
                    text=effects.held_crisis,
                    lead_id=urgent_lead.id,
                    wait=self._crisis_wait,
                    now=now,
                )
        if effects.lead is not None:
            lead = await _create_lead(
                session,
                conversation,
                effects.lead,
                consent_text_version=effects.consent_text_version,
                channel=message.channel,
                now=now,
            )
            events.append(created_event(lead))
        if effects.cannot_come and (told := await cannot_come(session, conversation.id, now=now)):
            events.append(told)
        if effects.new_slot and (
            told := await wants_new_slot(session, conversation.id, now=now, wish=effects.time_wish)
        ):
            events.append(told)
        if effects.visit_alert is not None:
            await record_alert(
                session,
                conversation.id,
                commune=effects.visit_alert,
                consent_version=effects.consent_text_version or "",
                now=now,
            )
        if effects.drop_held_media:
            await drop_held(session, conversation.id)
        if effects.erase:
            await erase_conversation(session, conversation.id, actor="young_person", now=now)
        return events

    async def _record_messages(
        self,
        session: AsyncSession,
        conversation: Conversation,
        inbound: dict[str, object],
        replies: Sequence[Reply],
        *,
        message: InboundMessage,
        now: datetime,
        priority: int = 0,
        sending: AtOnce | None = None,
        opened: bool = False,
    ) -> list[int]:
        """Store the turn: the young person's message and the bot's replies.

        All the turn's messages go in one INSERT statement, and so do its outbox rows: under
        load, one process's CPU is what delays replies, and an ORM flush inserts row by row
        (SQLite gives no order to the ids a multi-row insert returns, so the ORM fetches each
        one alone) through the unit of work. Channels answered in the HTTP response need no
        ids back. Queued channels need them, for the outbox rows that point at their message
        rows: each row comes back with its ``created_at``, which the rows of a turn never
        share (one microsecond apart), and that puts the ids back in the rows' order.
        """
        rows = [inbound] + [
            _message_row(
                conversation.id,
                Direction.OUTBOUND,
                Author.BOT,
                reply.text,
                now + timedelta(microseconds=index + 1),
            )
            for index, reply in enumerate(replies)
        ]
        # render_nulls: a None is sent as NULL rather than splitting the batch by columns.
        statement = insert(Message).execution_options(render_nulls=True)
        if message.channel not in self._queued_channels:
            await session.execute(statement, rows)
            return []
        returned = await session.execute(statement.returning(Message.id, Message.created_at), rows)
        ids = [row.id for row in sorted(returned, key=lambda row: row.created_at)]
        items = [
            _outbox_item(
                conversation_id=conversation.id,
                message_row_id=row_id,
                message=message,
                reply=reply,
                index=index,
                now=now,
                priority=priority,
            )
            for index, (row_id, reply) in enumerate(zip(ids[1:], replies, strict=True))
        ]
        if sending is not None:
            await sending.claim(session, conversation.id, items, opened=opened)
        await insert_outbox_rows(session, items)
        return ids

    async def _queue_after_erase(
        self,
        session: AsyncSession,
        conversation: Conversation,
        replies: Sequence[Reply],
        message: InboundMessage,
        now: datetime,
    ) -> None:
        """The erase confirmation must still reach the person, with nothing kept about them."""
        if message.channel not in self._queued_channels:
            return
        for index, reply in enumerate(replies):
            session.add(
                _outbox_item(
                    conversation_id=None,
                    message_row_id=None,
                    message=message,
                    reply=reply,
                    index=index,
                    now=now,
                )
            )


def _left(sending: AtOnce | None) -> bool:
    """Whether the dispatcher's rounds have something of the turn to send."""
    return sending is None or sending.left


#: How far back the number (or the home town) said before consent is looked for: the consent
#: question comes right after it, and a few questions may be answered in between.
NUMBER_LOOKBACK: Final = 10


async def _said_lately(session: AsyncSession, conversation_id: int) -> list[str]:
    """The young person's latest messages (at most :data:`NUMBER_LOOKBACK`), newest first."""
    texts = await session.scalars(
        select(Message.text)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND,
        )
        .order_by(Message.id.desc())
        .limit(NUMBER_LOOKBACK)
    )
    return [text for text in texts if text]


async def _number_given(session: AsyncSession, conversation_id: int) -> str | None:
    """The phone number the young person's latest message handing one over gave (E.164)."""
    for text in await _said_lately(session, conversation_id):
        if gives_phone_number(text):
            return parse_phone(text)
    return None


async def _home_named(session: AsyncSession, conversation_id: int) -> str | None:
    """The INSEE code of the Meuse town the latest message saying where the young person lives
    names ("jhabite a stenay")."""
    for text in await _said_lately(session, conversation_id):
        home = home_commune_in(text)
        if home is not None:
            return home.insee
    return None


async def _replies_already_given(
    session: AsyncSession, conversation_id: int, message: InboundMessage
) -> list[Reply]:
    """What the bot answered the first time ``message`` came, to answer its resend the same.

    A channel that delivers through the outbox (Telegram, SMS) ignores these: its replies are
    already queued. A channel that answers in the HTTP response (REST, the web chat) lost the
    first answer with the connection, so it gets the texts again; the buttons are not stored.
    """
    first = (
        select(Message.id)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND,
            Message.channel_message_id == message.message_id,
        )
        .scalar_subquery()
    )
    following = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > first)
        .order_by(Message.id)
    )
    replies: list[Reply] = []
    for row in following:
        if row.direction == Direction.INBOUND:
            break
        if row.author == Author.BOT and row.text:
            replies.append(Reply(row.text))
    return replies


def _message_row(
    conversation_id: int,
    direction: Direction,
    author: Author,
    text: str,
    created_at: datetime,
    *,
    channel_message_id: str | None = None,
    intent: str | None = None,
    confidence: float | None = None,
    button_title: str | None = None,
) -> dict[str, object]:
    """One message's column values; every row names the same columns, so rows batch."""
    return {
        "button_title": button_title,
        "conversation_id": conversation_id,
        "direction": direction,
        "author": author,
        "text": text,
        "channel_message_id": channel_message_id,
        "intent": intent,
        "confidence": confidence,
        "created_at": created_at,
    }


def _outbox_item(
    *,
    conversation_id: int | None,
    message_row_id: int | None,
    message: InboundMessage,
    reply: Reply,
    index: int,
    now: datetime,
    priority: int = 0,
) -> OutboxItem:
    """An outbox row carrying its recipient, so it can be sent even after an erasure.

    Its duplicate key is scoped to the conversation (channel and sender), as the inbound
    deduplication is: a provider's id is only unique per person (Telegram restarts
    ``update_id`` after a quiet week; two SMS may share a ``MessageSid``), and another
    person's message with a known id must be answered, not refused as a duplicate.
    """
    occurrence = message.message_id or now.isoformat()
    key = f"{message.channel}:{message.sender_id}:{occurrence}:{index}"
    return OutboxItem(
        conversation_id=conversation_id,
        message_id=message_row_id,
        channel=message.channel,
        dedupe_key=current_cipher().lookup_hash(key),
        payload=encode(message.sender_id, reply, in_reply=True),
        status=OutboxStatus.PENDING,
        attempts=0,
        parts_sent=0,
        not_before=now,
        created_at=now,
        priority=priority,
    )


async def alert_team(
    session: AsyncSession,
    conversation: Conversation,
    draft: LeadDraft = CRISIS_LEAD,
    *,
    channel: str,
    now: datetime,
    consent_text_version: str | None = None,
) -> tuple[TeamEvent, Lead]:
    """Put a young person in distress at the top of the team's queue, whoever noticed it.

    The conversation becomes urgent; a request already waiting becomes urgent rather than
    being doubled, otherwise ``draft`` becomes an urgent lead, with no consent needed: vital
    interest is the lawful basis. The caller publishes the returned event after its commit.
    """
    conversation.urgent = True
    lead = await _open_lead(session, conversation.id)
    if lead is not None:
        lead.urgent = True
        lead.urgency = draft.urgency or lead.urgency
        lead.updated_at = now
        await session.flush()
        return TeamEvent("urgent", conversation.id, lead.id, lead.sector_id, urgent=True), lead
    lead = await _create_lead(
        session,
        conversation,
        draft,
        consent_text_version=consent_text_version,
        channel=channel,
        now=now,
    )
    return created_event(lead), lead


def created_event(lead: Lead) -> TeamEvent:
    """What the team's screens show of a new lead: ids and labels, never contact details."""
    return TeamEvent(
        "urgent" if lead.urgent else "lead_created",
        lead.conversation_id,
        lead.id,
        lead.sector_id,
        urgent=lead.urgent,
        first_name=lead.first_name,
        need=lead.need,
    )


async def _create_lead(
    session: AsyncSession,
    conversation: Conversation,
    draft: LeadDraft,
    *,
    consent_text_version: str | None,
    channel: str,
    now: datetime,
) -> Lead:
    consent_id = None
    if draft.consent_at is not None and consent_text_version:
        consent = Consent(
            conversation_id=conversation.id,
            given_at=datetime.fromisoformat(draft.consent_at),
            text_version=consent_text_version,
            channel=channel,
        )
        session.add(consent)
        await session.flush()
        consent_id = consent.id
    lead = await add_lead(
        session,
        conversation,
        draft,
        consent_id=consent_id,
        channel=channel,
        contact_here=draft.contact_here or draft.consent_at is None,
        now=now,
    )
    if consent_id is not None:
        # The files sent before consent (held) now go to the team with the request.
        await keep_held(session, conversation.id, lead.id)
    return lead


async def add_lead(
    session: AsyncSession,
    conversation: Conversation,
    draft: LeadDraft,
    *,
    consent_id: int | None,
    channel: str,
    contact_here: bool,
    now: datetime,
) -> Lead:
    """Add a new lead to its sector's queue: its commune's, else its campaign's (see
    :func:`~outreach_bot.core.sectors.sector_for`).

    Our own dialogue and the external API both queue leads through here, so a lead row means
    the same whichever way it came. The caller owns the transaction and the checks before it
    (consent, age, an open lead already waiting).
    """
    sector = await sector_for(session, draft.commune_insee, campaign_id=conversation.campaign_id)
    lead = Lead(
        conversation_id=conversation.id,
        consent_id=consent_id,
        sector_id=sector.id if sector else None,
        campaign_id=conversation.campaign_id,
        status=LeadStatus.NEW,
        urgent=draft.urgent,
        channel=channel,
        first_name=draft.first_name,
        phone=draft.phone,
        contact_here=contact_here,
        age=draft.age,
        commune_insee=draft.commune_insee,
        commune_name=draft.commune_name,
        need=draft.need,
        availability=draft.availability,
        topic=draft.topic,
        urgency=draft.urgency,
        language=conversation.locale,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    session.add(lead)
    await session.flush()
    logger.info("lead %s created in sector %s (urgent=%s)", lead.id, lead.sector_id, lead.urgent)
    return lead


async def erase_conversation(
    session: AsyncSession, conversation_id: int, *, actor: str, now: datetime
) -> None:
    """Erase everything held about one young person: leads, consents, transcript, outbox,
    scheduled messages, their rows on contact lists, and the messages the bot did not
    understand (kept for the quality loop, linked to the conversation for this reason).

    Anonymous daily counts are kept first, so the network's figures do not shrink; an audit
    line records that an erasure happened (ids only), as accountability requires.
    """
    await record_erasure(session, conversation_id)
    await end_referrals(session, conversation_id, now=now)
    await erase_list_rows(session, conversation_id)
    await session.execute(
        delete(ScheduledMessage).where(ScheduledMessage.conversation_id == conversation_id)
    )
    await session.execute(delete(VisitAlert).where(VisitAlert.conversation_id == conversation_id))
    await erase_media(session, conversation_id)
    await session.execute(delete(Lead).where(Lead.conversation_id == conversation_id))
    await session.execute(delete(Consent).where(Consent.conversation_id == conversation_id))
    await session.execute(
        delete(UnderstoodGap).where(UnderstoodGap.conversation_id == conversation_id)
    )
    await session.execute(delete(Conversation).where(Conversation.id == conversation_id))
    session.add(
        AuditEntry(
            actor=actor,
            action="erase",
            target_type="conversation",
            target_id=str(conversation_id),
            at=now,
        )
    )
    logger.info("conversation %s erased by %s", conversation_id, actor)


async def conversation_for(
    session: AsyncSession,
    *,
    channel: str,
    sender_id: str,
    now: datetime,
    create: bool = True,
) -> Conversation | None:
    """The conversation of ``sender_id`` on ``channel``, locked for this unit of work.

    Created when missing (unless ``create`` is False); safe when two processes race to create it.
    """
    sender_hash = current_cipher().lookup_hash(f"{channel}:{sender_id}")
    query = select(Conversation).where(
        Conversation.channel == channel, Conversation.sender_hash == sender_hash
    )
    conversation = await session.scalar(query.with_for_update())
    if conversation is not None or not create:
        return conversation
    created = await _create_conversation(session, channel, sender_hash, sender_id, now)
    if created is not None:
        return created
    # Another process created it between our select and insert: use theirs.
    existing = await session.scalar(query.with_for_update())
    if existing is None:
        raise RuntimeError("a conversation was both taken and missing")
    return existing


async def _create_conversation(
    session: AsyncSession, channel: str, sender_hash: str, sender_id: str, now: datetime
) -> Conversation | None:
    """Insert a new conversation in a savepoint; None if another process inserted it first."""
    conversation = Conversation(
        channel=channel,
        sender_hash=sender_hash,
        sender_ref=sender_id,
        created_at=now,
        last_message_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(conversation)
            await session.flush()
    except IntegrityError:
        return None
    return conversation


@functools.cache
def _turn_query(*, with_message_id: bool) -> Select[Conversation, Lead | None, bool, bool, bool]:
    """The query every message starts with (see :func:`_load_for_turn`), built once.

    Building this expression (five subqueries, a join, a lock) cost more of the server's CPU
    than running it: under load it was a sixth of the event loop's busy time. Its values are
    bound parameters, so one statement serves every message.
    """
    seen = (
        or_(
            exists().where(
                Message.conversation_id == Conversation.id,
                Message.direction == Direction.INBOUND,
                Message.channel_message_id == bindparam("message_id"),
            ),
            exists().where(OutboxItem.dedupe_key == bindparam("first_reply")),
        )
        if with_message_id
        else false()
    )
    return (
        select(Conversation, Lead, seen, question_waiting(), first_contact_waiting())
        .outerjoin(
            Lead,
            and_(Lead.conversation_id == Conversation.id, Lead.status.not_in(CLOSED_STATUSES)),
        )
        .where(
            Conversation.channel == bindparam("channel"),
            Conversation.sender_hash == bindparam("sender_hash"),
        )
        .order_by(Lead.id.desc())
        .limit(1)
        # PostgreSQL locks only the conversation row (a lead cannot be locked through an outer
        # join); SQLite has no row locks and its single writer serialises the turn anyway.
        .with_for_update(of=Conversation)
    )


_REPLY_KNOWN: Final = select(exists().where(OutboxItem.dedupe_key == bindparam("first_reply")))


class _TurnStart(NamedTuple):
    """What a turn reads first (see :func:`_load_for_turn`)."""

    conversation: Conversation
    open_lead: Lead | None
    seen: bool
    """The message was already received (a provider's resend)."""
    asked: bool
    """A referral question waits for an answer."""
    listed: bool
    """A contact list's first message waits for an answer."""
    opened: bool = False
    """The conversation was created by this turn: nothing of it is in the database yet."""


async def _load_for_turn(
    session: AsyncSession,
    *,
    channel: str,
    sender_id: str,
    message_id: str | None,
    now: datetime,
) -> _TurnStart:
    """The sender's conversation (locked, created when missing), its open lead, whether
    ``message_id`` was already received, whether a referral question waits for an answer, and
    whether a contact list's first message does, in one query: every message starts here.
    """
    sender_hash = current_cipher().lookup_hash(f"{channel}:{sender_id}")
    # A message is also known by the outbox row its first reply left (see _outbox_item's
    # key): after an erasure nothing else remembers it, and queueing its replies again would
    # collide with that row's key (a provider resending the SUPPRIMER confirmation's "oui").
    first_reply = current_cipher().lookup_hash(f"{channel}:{sender_id}:{message_id}:0")
    query = _turn_query(with_message_id=bool(message_id))
    values: dict[str, object] = {"channel": channel, "sender_hash": sender_hash}
    if message_id:
        values.update(message_id=message_id, first_reply=first_reply)
    row = (await session.execute(query, values)).first()
    if row is not None:
        return _TurnStart(row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4]))
    conversation = await _create_conversation(session, channel, sender_hash, sender_id, now)
    if conversation is not None:
        known = bool(message_id) and bool(
            await session.scalar(_REPLY_KNOWN, {"first_reply": first_reply})
        )
        return _TurnStart(conversation, None, known, asked=False, listed=False, opened=True)
    # Another process created it between our select and insert: read theirs.
    row = (await session.execute(query, values)).one()
    return _TurnStart(row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4]))


async def _open_lead(session: AsyncSession, conversation_id: int) -> Lead | None:
    return await session.scalar(
        select(Lead)
        .where(Lead.conversation_id == conversation_id, Lead.status.not_in(CLOSED_STATUSES))
        .order_by(Lead.id.desc())
        .limit(1)
    )


def _split_start(text: str) -> tuple[str | None, str]:
    """``/start CODE`` (Telegram deep links, and the same on every channel) → (CODE, "")."""
    if fold(text).startswith("/start"):
        parts = text.split(maxsplit=1)
        if parts[0].lower() == "/start":
            return (parts[1].strip() if len(parts) > 1 else ""), ""
    return None, text


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
