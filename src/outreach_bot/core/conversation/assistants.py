"""Use cases for external assistants: a team's own Rasa bot, through the action server.

The young person then talks to the team's assistant rather than to our dialogue engine, so the
rules our dialogue follows are applied here, once, for every such assistant: answers come from
the reviewed knowledge base, a consent is recorded against the exact text version shown, no
lead exists without one, nothing is kept about anyone under 15, an erasure removes everything,
and a young person in distress is put at the top of the team's queue at once. The assistant's
own sender id identifies the person, under channel ``"rasa"``, exactly as a Telegram chat id
does for Telegram: hashed for lookup, encrypted at rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.content.model import ANSWERED_INTENTS
from outreach_bot.core.conversation.service import (
    CRISIS_LEAD,
    MAX_TEXT_LENGTH,
    add_lead,
    alert_team,
    conversation_for,
    created_event,
    erase_conversation,
)
from outreach_bot.core.events.bus import EventBus
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.dialogue.engine import MAX_NEED_LENGTH, MAX_WHEN_LENGTH
from outreach_bot.dialogue.turn import LeadDraft
from outreach_bot.domain.consent import DIGITAL_CONSENT_AGE, MAX_USUAL_AGE
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.fields import (
    commune_by_insee,
    match_commune,
    parse_age,
    parse_first_name,
    parse_phone,
)
from outreach_bot.domain.fields.age import MAX_AGE
from outreach_bot.domain.fields.commune import Commune
from outreach_bot.domain.leads import CLOSED_STATUSES
from outreach_bot.nlu.safety import crisis_kind
from outreach_bot.storage.models import Consent, Conversation, Lead, Sector

logger = logging.getLogger(__name__)

EXTERNAL_CHANNEL: Final = "rasa"
"""Conversations of people who talk to a team's Rasa assistant are kept under this channel."""

FIELD_KINDS: Final = ("age", "first_name", "phone", "commune")
MAX_SENDER_LENGTH: Final = 200
MAX_SUGGESTIONS: Final = 3
"""As many commune suggestions as our own dialogue offers as buttons."""


@dataclass(frozen=True, slots=True)
class KnowledgeAnswer:
    """A reviewed answer from ``bot/answers.yml`` in one locale."""

    intent: str
    locale: str
    text: str
    source: str
    reviewed: date
    offer_lead: bool

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/answers/{intent}``."""
        return {
            "intent": self.intent,
            "locale": self.locale,
            "text": self.text,
            "source": self.source,
            "reviewed": self.reviewed.isoformat(),
            "offer_lead": self.offer_lead,
        }


def answer_topic(content: Content, intent: str, locale: str) -> KnowledgeAnswer:
    """The knowledge-base answer to ``intent``, so every assistant says what the team reviewed.

    Raises:
        NotFoundError: the knowledge base has no answer for this intent.
    """
    answer = content.answer(intent)
    if answer is None:
        raise NotFoundError(f"no knowledge-base answer for intent {intent!r}")
    return KnowledgeAnswer(
        intent=intent,
        locale=locale,
        text=answer.text.get(locale),
        source=answer.source,
        reviewed=answer.reviewed,
        offer_lead=answer.offer_lead,
    )


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """The consent text to show, its version to record, and what to say on a refusal."""

    text_version: str
    text: str
    buttons: tuple[tuple[str, str], ...]
    declined: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/consent-text``."""
        return {
            "text_version": self.text_version,
            "text": self.text,
            "buttons": [{"title": title, "payload": payload} for title, payload in self.buttons],
            "declined": self.declined,
        }


def consent_request(content: Content, locale: str) -> ConsentRequest:
    """The current consent request, which is the only text a consent may be recorded against."""
    consent = content.privacy.consent
    return ConsentRequest(
        text_version=consent.text_version,
        text=consent.text.get(locale),
        buttons=(
            (content.message("button_yes", locale), "/affirm"),
            (content.message("button_no", locale), "/deny"),
        ),
        declined=content.message("consent_declined", locale),
    )


@dataclass(frozen=True, slots=True)
class CommuneChoice:
    """A commune as an assistant shows it; ``reply`` is a text that designates it for sure."""

    insee: str
    name: str
    department: str
    postal_code: str | None

    @classmethod
    def of(cls, commune: Commune) -> CommuneChoice:
        """Describe ``commune``; its first postal code makes the reply text unambiguous."""
        return cls(
            commune.insee,
            commune.name,
            commune.department,
            commune.postal_codes[0] if commune.postal_codes else None,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON, with the button title and the text to send back when this one is chosen."""
        return {
            "insee": self.insee,
            "name": self.name,
            "department": self.department,
            "postal_code": self.postal_code,
            "title": f"{self.name} ({self.department})",
            "reply": f"{self.postal_code} {self.name}" if self.postal_code else self.name,
        }


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """What a free answer to one lead-form question is worth.

    Attributes:
        field: which question ("age", "first_name", "phone", "commune").
        valid: the answer can be kept as it is (``value``).
        value: the normalised answer: whole years, a first name, an E.164 number, or the
            commune's INSEE code; None unless valid.
        commune: the commune, when ``field`` is "commune" and it is certain.
        suggestions: communes the person may have meant, best first.
        too_young: the person is under the digital consent age: collect nothing at all.
        message: what to tell the young person (ask again, did you mean, under 15, over 29).
    """

    field: str
    valid: bool
    value: str | int | None = None
    commune: CommuneChoice | None = None
    suggestions: tuple[CommuneChoice, ...] = ()
    too_young: bool = False
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``POST /api/fields/{field}``."""
        return {
            "field": self.field,
            "valid": self.valid,
            "value": self.value,
            "commune": self.commune.as_dict() if self.commune else None,
            "suggestions": [choice.as_dict() for choice in self.suggestions],
            "too_young": self.too_young,
            "message": self.message,
        }


def check_field(
    content: Content, kind: str, text: str, *, locale: str, today: date | None = None
) -> FieldCheck:
    """Read one answer with the parsers our own dialogue uses, and say what to do with it.

    Nothing is stored: an assistant checks each answer as it comes and keeps it in its own
    slots until the young person confirms the request (:func:`submit_lead`).

    Raises:
        NotFoundError: ``kind`` is not one of :data:`FIELD_KINDS`.
    """
    today = today or datetime.now(UTC).date()
    if kind == "age":
        return _check_age(content, text, locale=locale, today=today)
    if kind == "first_name":
        name = parse_first_name(text)
        if name is None:
            return FieldCheck(kind, valid=False, message=content.message("reask_name", locale))
        return FieldCheck(kind, valid=True, value=name)
    if kind == "phone":
        phone = parse_phone(text)
        if phone is None:
            return FieldCheck(kind, valid=False, message=content.message("reask_phone", locale))
        return FieldCheck(kind, valid=True, value=phone)
    if kind == "commune":
        return _check_commune(content, text, locale=locale)
    raise NotFoundError(f"unknown field {kind!r}; known: {', '.join(FIELD_KINDS)}")


def _check_age(content: Content, text: str, *, locale: str, today: date) -> FieldCheck:
    age = parse_age(text, today)
    if age is None:
        return FieldCheck("age", valid=False, message=content.message("reask_age", locale))
    if age < DIGITAL_CONSENT_AGE:
        # The age itself is not echoed back: below 15 we keep nothing, not even that.
        return FieldCheck(
            "age", valid=False, too_young=True, message=content.privacy.under_15.get(locale)
        )
    notice = content.message("over_29", locale) if age > MAX_USUAL_AGE else None
    return FieldCheck("age", valid=True, value=age, message=notice)


def _check_commune(content: Content, text: str, *, locale: str) -> FieldCheck:
    match = match_commune(text)
    if match.commune is not None:
        choice = CommuneChoice.of(match.commune)
        return FieldCheck("commune", valid=True, value=choice.insee, commune=choice)
    if match.suggestions:
        return FieldCheck(
            "commune",
            valid=False,
            suggestions=tuple(CommuneChoice.of(c) for c in match.suggestions[:MAX_SUGGESTIONS]),
            message=content.message("did_you_mean", locale),
        )
    return FieldCheck("commune", valid=False, message=content.message("reask_commune", locale))


@dataclass(frozen=True, slots=True)
class ConsentReceipt:
    """A recorded consent (``created`` is False when the same one was recorded before)."""

    consent_id: int
    given_at: datetime
    text_version: str
    created: bool

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``POST /api/consents``."""
        return {
            "consent_id": self.consent_id,
            "given_at": self.given_at.isoformat(),
            "text_version": self.text_version,
            "created": self.created,
        }


async def record_consent(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    *,
    sender_id: str,
    text_version: str,
    actor: str,
    now: datetime | None = None,
) -> ConsentReceipt:
    """Record that the young person agreed to the consent text of ``text_version``.

    Only the current text can be agreed to: an assistant showing an older one must fetch the
    new one and ask again. Recording the same consent twice (a retried call) keeps one.

    Raises:
        InvalidInputError: no sender id, or an over-long one.
        ConflictError: ``text_version`` is not the current consent text.
    """
    sender_id = _sender(sender_id)
    current = content.privacy.consent.text_version
    if text_version != current:
        raise ConflictError(
            f"consent text version {text_version!r} is not the current one ({current!r}): "
            "show the current text and ask again"
        )
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        conversation = await _conversation(session, sender_id, now=now, create=True)
        assert conversation is not None  # noqa: S101 - create=True always returns one
        existing = await _live_consent(session, conversation.id, text_version=text_version)
        if existing is not None:
            return ConsentReceipt(
                existing.id, _aware(existing.given_at), text_version, created=False
            )
        consent = Consent(
            conversation_id=conversation.id,
            given_at=now,
            text_version=text_version,
            channel=EXTERNAL_CHANNEL,
        )
        session.add(consent)
        conversation.last_message_at = now
        await session.flush()
        await record_access(
            session,
            actor=actor,
            action="api_consent",
            target_type="conversation",
            target_id=str(conversation.id),
        )
        receipt = ConsentReceipt(consent.id, now, text_version, created=True)
    logger.info("consent %s recorded for conversation %s", receipt.consent_id, conversation.id)
    return receipt


@dataclass(frozen=True, slots=True)
class LeadRequest:
    """What an assistant collected; checked again here, since the assistant is another program."""

    sender_id: str
    age: int
    phone: str
    first_name: str | None = None
    commune_insee: str | None = None
    need: str | None = None
    availability: str | None = None
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class LeadReceipt:
    """The lead in the team's queue; ``created`` is False when one was already waiting."""

    lead_id: int
    sector: str | None
    created: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``POST /api/leads``."""
        return {
            "lead_id": self.lead_id,
            "sector": self.sector,
            "created": self.created,
            "message": self.message,
        }


async def submit_lead(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    events: EventBus,
    request: LeadRequest,
    *,
    actor: str,
    locale: str,
    now: datetime | None = None,
    sector_ids: frozenset[int] | None = None,
) -> LeadReceipt:
    """Put a young person in the team's queue, under the same rules as our own dialogue.

    A consent must have been recorded for this sender (:func:`record_consent`), nobody under
    15 is recorded, and a person whose earlier request is still open is not queued twice.
    The team is notified after the commit, as for leads from our own channels.

    Raises:
        InvalidInputError: an age under 15 or not an age, a phone number nobody can be
            reached on, an unknown commune, a first name our dialogue would refuse, or a
            topic that is not one of our knowledge-base intents.
        ConflictError: no consent recorded for this sender.
        PermissionDeniedError: the lead falls in a sector outside ``sector_ids`` (a scoped
            API token); nothing is stored.
    """
    sender_id = _sender(request.sender_id)
    draft = _checked(request)
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        conversation = await _conversation(session, sender_id, now=now, create=False)
        consent = (
            await _live_consent(session, conversation.id) if conversation is not None else None
        )
        if conversation is None or consent is None:
            raise ConflictError("no consent recorded for this sender: record one first")
        waiting = await session.scalar(
            select(Lead)
            .where(Lead.conversation_id == conversation.id, Lead.status.not_in(CLOSED_STATUSES))
            .order_by(Lead.id.desc())
            .limit(1)
        )
        if waiting is not None:
            _within(waiting, sector_ids)
            message = content.message("already_in_queue", locale)
            sector = await _sector_code(session, waiting.sector_id)
            return LeadReceipt(waiting.id, sector, created=False, message=message)
        lead = await add_lead(
            session,
            conversation,
            draft,
            consent_id=consent.id,
            channel=EXTERNAL_CHANNEL,
            contact_here=False,
            now=now,
        )
        _within(lead, sector_ids)  # raising here rolls the new lead back
        conversation.last_message_at = now
        await record_access(
            session, actor=actor, action="api_create", target_type="lead", target_id=str(lead.id)
        )
        event = created_event(lead)
        receipt = LeadReceipt(
            lead.id,
            await _sector_code(session, lead.sector_id),
            created=True,
            message=content.message("lead_done", locale),
        )
    logger.info("lead %s created from an external assistant in sector %s", lead.id, lead.sector_id)
    await events.publish(event)
    return receipt


def _checked(request: LeadRequest) -> LeadDraft:
    """The request's fields, normalised as our dialogue would have them, or an error."""
    if request.age < DIGITAL_CONSENT_AGE:
        raise InvalidInputError(f"no data is collected under {DIGITAL_CONSENT_AGE}")
    if request.age > MAX_AGE:
        raise InvalidInputError("age: not an age")
    phone = parse_phone(request.phone)
    if phone is None:
        raise InvalidInputError("phone: not a phone number a person can be reached on")
    first_name = None
    if request.first_name is not None:
        first_name = parse_first_name(request.first_name)
        if first_name is None:
            raise InvalidInputError("first_name: not a first name or nickname")
    commune = None
    if request.commune_insee is not None:
        commune = commune_by_insee(request.commune_insee)
        if commune is None:
            raise InvalidInputError("commune_insee: unknown INSEE code")
    if request.topic is not None and request.topic not in ANSWERED_INTENTS:
        raise InvalidInputError("topic: not a knowledge-base intent")
    return LeadDraft(
        consent_at=None,  # recorded apart, by record_consent()
        urgent=False,
        age=request.age,
        phone=phone,
        first_name=first_name,
        commune_insee=commune.insee if commune else None,
        commune_name=commune.name if commune else None,
        need=_squeezed(request.need, MAX_NEED_LENGTH),
        availability=_squeezed(request.availability, MAX_WHEN_LENGTH),
        topic=request.topic,
    )


def _squeezed(text: str | None, limit: int) -> str | None:
    """Free text as the dialogue keeps it: single spaces, cut at ``limit``; None when empty."""
    if text is None:
        return None
    return " ".join(text.split())[:limit] or None


@dataclass(frozen=True, slots=True)
class CrisisAnswer:
    """What to tell a young person in distress: the team's reviewed text and its numbers.

    Attributes:
        kind: "suicide", "violence", "shelter", "danger" or "default" (``bot/crisis.yml``).
        text: the text to say, which carries the numbers itself (an SMS shows only text).
        resources: the numbers it names, with who each is for, for assistants that show them.
    """

    kind: str
    text: str
    resources: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``POST /api/alerts``."""
        return {
            "kind": self.kind,
            "text": self.text,
            "resources": [{"number": number, "label": label} for number, label in self.resources],
        }


def crisis_answer(content: Content, text: str | None, locale: str) -> CrisisAnswer:
    """The crisis text our own dialogue would say for ``text`` (the general one without it)."""
    crisis = content.crisis
    found = crisis_kind(text[:MAX_TEXT_LENGTH]) if text else None
    kind = str(found) if found and found in crisis.kinds else "default"
    chosen = crisis.kinds[kind]
    numbers = {resource.id: resource for resource in crisis.resources}
    return CrisisAnswer(
        kind=kind,
        text=chosen.text.get(locale),
        resources=tuple(
            (numbers[ref].number, numbers[ref].label.get(locale)) for ref in chosen.resources
        ),
    )


def crisis_check(text: str) -> str | None:
    """The kind of distress ``text`` shows to the safety net our own dialogue runs first.

    An assistant asks before it keeps an answer to its form: "je veux mourir" typed where a
    first name was asked is a cry for help its own NLU may have misread, and must raise the
    alert (:func:`raise_alert`) instead of becoming a field. Nothing is stored, logged or
    raised here. None when the net does not fire.
    """
    found = crisis_kind(text[:MAX_TEXT_LENGTH])
    return str(found) if found else None


async def raise_alert(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    events: EventBus,
    *,
    sender_id: str,
    text: str | None,
    actor: str,
    locale: str,
    now: datetime | None = None,
) -> CrisisAnswer:
    """Tell the team at once that a young person talking to an assistant is in distress.

    Exactly what our own dialogue does on a crisis: the conversation becomes urgent, and so
    does the request already waiting, or else an urgent lead is opened with no consent asked
    (vital interest is the lawful basis). ``text`` only chooses which crisis text to return:
    it is neither stored nor logged. The team is notified after the commit.

    Raises:
        InvalidInputError: no sender id, or an over-long one.
    """
    sender_id = _sender(sender_id)
    answer = crisis_answer(content, text, locale)
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        conversation = await _conversation(session, sender_id, now=now, create=True)
        assert conversation is not None  # noqa: S101 - create=True always returns one
        draft = replace(CRISIS_LEAD, urgency=answer.kind if answer.kind != "default" else None)
        event, lead = await alert_team(
            session, conversation, draft, channel=EXTERNAL_CHANNEL, now=now
        )
        conversation.last_message_at = now
        await record_access(
            session, actor=actor, action="api_alert", target_type="lead", target_id=str(lead.id)
        )
    logger.warning(
        "urgent: lead %s of conversation %s raised by an external assistant",
        lead.id,
        conversation.id,
    )
    await events.publish(event)
    return answer


@dataclass(frozen=True, slots=True)
class ErasureReceipt:
    """Whether anything was held about the sender, and what to tell them."""

    erased: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``POST /api/erasure``."""
        return {"erased": self.erased, "message": self.message}


async def erase_sender(
    sessions: async_sessionmaker[AsyncSession],
    content: Content,
    *,
    sender_id: str,
    actor: str,
    locale: str,
    now: datetime | None = None,
    sector_ids: frozenset[int] | None = None,
) -> ErasureReceipt:
    """Erase everything held about one assistant's sender: leads, consents, conversation.

    Asking twice is harmless: the second time there is nothing left and ``erased`` is False.
    The audit keeps one line saying that an erasure happened and who asked (ids only).

    Raises:
        InvalidInputError: no sender id, or an over-long one.
        PermissionDeniedError: the sender has a lead outside ``sector_ids`` (a scoped API
            token); nothing is erased.
    """
    sender_id = _sender(sender_id)
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        conversation = await _conversation(session, sender_id, now=now, create=False)
        if conversation is not None and sector_ids is not None:
            for lead in await session.scalars(
                select(Lead).where(Lead.conversation_id == conversation.id)
            ):
                _within(lead, sector_ids)
        if conversation is not None:
            await erase_conversation(session, conversation.id, actor=actor, now=now)
    return ErasureReceipt(conversation is not None, content.message("erase_done", locale))


def _within(lead: Lead, sector_ids: frozenset[int] | None) -> None:
    """Refuse a scoped token a lead of another sector (the receipt would show its id)."""
    if sector_ids is not None and lead.sector_id not in sector_ids:
        raise PermissionDeniedError("this lead is in a sector this API token does not cover")


def _sender(sender_id: str) -> str:
    sender_id = sender_id.strip()
    if not sender_id or len(sender_id) > MAX_SENDER_LENGTH:
        raise InvalidInputError(f"sender_id: 1 to {MAX_SENDER_LENGTH} characters")
    return sender_id


async def _conversation(
    session: AsyncSession, sender_id: str, *, now: datetime, create: bool
) -> Conversation | None:
    """The sender's conversation, created on first consent when ``create`` is set."""
    return await conversation_for(
        session, channel=EXTERNAL_CHANNEL, sender_id=sender_id, now=now, create=create
    )


async def _live_consent(
    session: AsyncSession, conversation_id: int, *, text_version: str | None = None
) -> Consent | None:
    """The newest consent of this conversation that was not withdrawn."""
    query = select(Consent).where(
        Consent.conversation_id == conversation_id, Consent.withdrawn_at.is_(None)
    )
    if text_version is not None:
        query = query.where(Consent.text_version == text_version)
    return await session.scalar(query.order_by(Consent.id.desc()).limit(1))


async def _sector_code(session: AsyncSession, sector_id: int | None) -> str | None:
    if sector_id is None:
        return None
    return await session.scalar(select(Sector.code).where(Sector.id == sector_id))


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
