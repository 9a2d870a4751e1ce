"""Reading leads for the team: one view shared by the JSON API and the back office."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.delivery.outbox import COUNSELLOR_KIND, SendPolicy, enqueue
from outreach_bot.core.delivery.whatsapp import Template, counsellor_send_time
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.leads.alerts import last_words
from outreach_bot.core.leads.takeover import CRISIS_CHECK, tell_bot_is_back
from outreach_bot.core.media import MediaSummary, media_of_conversation
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.schedule import cancel_pending
from outreach_bot.core.staff.accounts import (
    Account,
    colleagues_for,
    list_sectors,
    staff_labels,
)
from outreach_bot.core.staff.forms import spend_form_key
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.leads import (
    BEFORE_CONTACT,
    CLOSED_STATUSES,
    ENDED_WITHOUT_FOLLOW_UP,
    OUTCOME_STATUS,
    REACHING_OUTCOMES,
    LeadStatus,
    Outcome,
    can_move,
)
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Author,
    Campaign,
    Consent,
    Conversation,
    Direction,
    Lead,
    LeadEvent,
    Message,
    ScheduledMessage,
    Sector,
    User,
)
from outreach_bot.storage.search_index import leads_matching, query_tokens

logger = logging.getLogger(__name__)

#: Channels a counsellor can write on. A lead from a team's own Rasa assistant ("rasa") has no
#: way back to the young person through us: the counsellor calls the number instead.
REPLYABLE_CHANNELS: Final = frozenset({"telegram", "sms", "whatsapp", "rest", "console"})


@dataclass(frozen=True, slots=True)
class LeadFilter:
    """Queue filters; ``sector_ids`` None means every sector (admins, API tokens).

    Urgent leads always come first; then the oldest first (the API's order), or the newest
    first (the back office's queue, where a new lead must not sink below twenty older ones).
    """

    status: str | None = None
    sector_code: str | None = None
    campaign_code: str | None = None
    sector_ids: frozenset[int] | None = None
    newest_first: bool = False
    limit: int = 100
    offset: int = 0
    #: Words typed in the queue's search box: leads whose first name, commune or request
    #: hold them all (through the blind index, ``storage.search_index``).
    search: str = ""


@dataclass(frozen=True, slots=True)
class LeadView:
    """A lead with what the team needs to act on it, ready to render or serialise."""

    lead: Lead
    sector: Sector | None
    campaign: Campaign | None
    consent: Consent | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form promised by the API contract."""
        lead = self.lead
        return {
            "id": lead.id,
            "first_name": lead.first_name,
            "phone": lead.phone,
            "contact_here": lead.contact_here,
            "channel": lead.channel,
            "age": lead.age,
            "commune": lead.commune_name,
            "commune_insee": lead.commune_insee,
            "sector": self.sector.code if self.sector else None,
            "campaign": self.campaign.code if self.campaign else None,
            "status": lead.status,
            # How a closed lead ended, as its stable code (``domain.leads.Outcome``); the
            # French label is the back office's business. None while the lead is open.
            "outcome": lead.outcome,
            "urgent": lead.urgent,
            "topic": lead.topic,
            "language": lead.language,
            "need": lead.need,
            "availability": lead.availability,
            "created_at": _iso(lead.created_at),
            "consent": (
                {
                    "given_at": _iso(self.consent.given_at),
                    "text_version": self.consent.text_version,
                    "channel": self.consent.channel,
                }
                if self.consent
                else None
            ),
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _query() -> Any:
    return (
        select(Lead, Sector, Campaign, Consent)
        .outerjoin(Sector, Lead.sector_id == Sector.id)
        .outerjoin(Campaign, Lead.campaign_id == Campaign.id)
        .outerjoin(Consent, Lead.consent_id == Consent.id)
    )


async def list_leads(
    session: AsyncSession, filters: LeadFilter, *, base: Any = None
) -> list[LeadView]:
    """Leads for the queue: urgent first, then oldest (or newest) first."""
    query = _query() if base is None else base
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.sector_code:
        query = query.where(Sector.code == filters.sector_code)
    if filters.campaign_code:
        query = query.where(Campaign.code == filters.campaign_code.upper())
    if filters.sector_ids is not None:
        query = query.where(Lead.sector_id.in_(filters.sector_ids))
    if filters.search:
        tokens = query_tokens(filters.search)
        # Nothing searchable typed (an emoji, "de"): no lead matches rather than all of them.
        query = query.where(Lead.id.in_(leads_matching(tokens)) if tokens else false())
    if filters.newest_first:
        query = query.order_by(Lead.urgent.desc(), Lead.created_at.desc(), Lead.id.desc())
    else:
        query = query.order_by(Lead.urgent.desc(), Lead.created_at, Lead.id)
    rows = await session.execute(query.limit(filters.limit).offset(filters.offset))
    return [LeadView(*row) for row in rows]


async def get_lead(
    session: AsyncSession, lead_id: int, *, sector_ids: frozenset[int] | None = None
) -> LeadView:
    """One lead, if it exists and the caller's sectors cover it.

    Raises:
        NotFoundError: no such lead, or not visible to the caller (same answer, so ids
            of other sectors cannot be probed).
    """
    row = (await session.execute(_query().where(Lead.id == lead_id))).first()
    if row is None or (sector_ids is not None and row[0].sector_id not in sector_ids):
        raise NotFoundError(f"lead {lead_id} not found")
    return LeadView(*row)


# --- The back office's use cases. Each opens its own transaction and publishes after commit. ---

MAX_NOTE: Final = 2000
MAX_REPLY: Final = 1000
"""A counsellor's message; longer texts are better said on the phone."""


@dataclass(frozen=True, slots=True)
class QueuePage:
    """What the queue page shows: the leads, who holds each, and counts per status."""

    leads: list[LeadView]
    claimers: dict[int, str]
    counts: dict[str, int]
    sectors: list[Sector]
    campaigns: list[Campaign]
    #: The young person's latest words, by conversation id, for the urgent cards: what
    #: happened, in their words, before anything else.
    words: dict[int, str]


@dataclass(frozen=True, slots=True)
class LeadDetail:
    """Everything the lead page shows, read in one transaction."""

    view: LeadView
    conversation: Conversation | None
    transcript: list[Message]
    history: list[tuple[LeadEvent, str]]
    labels: dict[int, str]
    colleagues: list[User]
    sectors: list[Sector]
    #: The voice notes, photos and documents the young person sent (kept ones only).
    media: list[MediaSummary] = field(default_factory=list)

    @property
    def media_by_message(self) -> dict[int, MediaSummary]:
        """Kept files by the transcript line that says they came, to play them there too."""
        return {m.message_id: m for m in self.media if m.message_id is not None}

    @property
    def takeover_active(self) -> bool:
        """Whether a counsellor is talking in this conversation, so the bot keeps quiet."""
        conversation = self.conversation
        return bool(
            conversation
            and conversation.takeover_until
            and _aware(conversation.takeover_until) > datetime.now(UTC)
        )


@dataclass(frozen=True, slots=True)
class SentReply:
    """A counsellor message stored, and whether it waits in the outbox for its channel."""

    message_id: int
    queued: bool
    not_before: datetime | None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _require_leads(account: Account) -> None:
    if not account.works_on_leads:
        raise PermissionDeniedError("ton rôle ne donne pas accès aux contacts")


async def _visible(session: AsyncSession, account: Account, lead_id: int) -> Lead:
    """The lead, if ``account`` may see it; else the same NotFoundError as for a missing id."""
    _require_leads(account)
    lead = await session.get(Lead, lead_id, populate_existing=True)
    if lead is None or not account.can_see(lead.sector_id, urgent=lead.urgent):
        raise NotFoundError(f"lead {lead_id} not found")
    return lead


async def visible_lead(session: AsyncSession, account: Account, lead_id: int) -> Lead:
    """The lead, if ``account`` may see it, for use cases of other capabilities (appointments).

    Raises:
        PermissionDeniedError: the role does not work on leads.
        NotFoundError: no such lead, or not in ``account``'s sectors (the same error).
    """
    return await _visible(session, account, lead_id)


def _seen_by(account: Account) -> ColumnElement[bool]:
    """:meth:`Account.can_see` as a SQL condition: my sectors' leads, and every urgent one."""
    if account.sector_ids is None:
        return true()
    return Lead.sector_id.in_(account.sector_ids) | Lead.urgent.is_(True)


def _in_sectors(account: Account) -> ColumnElement[bool]:
    """My sectors' leads only (urgent ones of other sectors too are shown, never searched)."""
    if account.sector_ids is None:
        return true()
    return Lead.sector_id.in_(account.sector_ids)


def queue_query(
    account: Account, filters: LeadFilter, *, own_sectors: bool = False
) -> tuple[Any, LeadFilter]:
    """The leads ``account`` may list with ``filters``, and the filters left to apply.

    The queue shows my sectors' leads and every urgent one; a search, and an export
    (``own_sectors``), reach my sectors' leads only: looking a name up is not a reason to see
    another sector's person. A status of ``"open"`` means every status that is not an ending.
    """
    _require_leads(account)
    filters = replace(filters, sector_ids=None)
    mine = own_sectors or bool(filters.search)
    query = _query().where(_in_sectors(account) if mine else _seen_by(account))
    if filters.status == "open":
        filters = replace(filters, status=None)
        query = query.where(Lead.status.not_in(CLOSED_STATUSES))
    return query, filters


def _event(lead: Lead, kind: str = "lead_changed") -> TeamEvent:
    return TeamEvent(kind, lead.conversation_id, lead.id, lead.sector_id, urgent=lead.urgent)


async def queue(
    sessions: async_sessionmaker[AsyncSession], account: Account, filters: LeadFilter
) -> QueuePage:
    """The queue of ``account``'s sectors, plus every urgent lead, whatever the filter asks
    (a search: my sectors only, see :func:`queue_query`); the view is audited.
    """
    query, filters = queue_query(account, filters)
    async with sessions.begin() as session:
        views = await list_leads(session, filters, base=query)
        counts_query = (
            select(Lead.status, func.count(Lead.id)).where(_seen_by(account)).group_by(Lead.status)
        )
        counts = {status: int(n) for status, n in await session.execute(counts_query)}
        claimers = await staff_labels(
            session, {view.lead.claimed_by for view in views if view.lead.claimed_by}
        )
        sectors = await list_sectors(session, account)
        campaigns = list(await session.scalars(select(Campaign).order_by(Campaign.code)))
        words = await last_words(
            session,
            {v.lead.conversation_id for v in views if v.lead.urgent and v.lead.conversation_id},
        )
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action="view",
            target_type="queue",
            target_id=",".join(str(view.lead.id) for view in views)[:40] or "-",
        )
    return QueuePage(views, claimers, counts, sectors, campaigns, words)


async def lead_card(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int
) -> tuple[LeadView, str | None, dict[int, str]]:
    """One lead as a queue row (for live updates), with who holds it and, when urgent, the
    young person's latest words (by conversation id)."""
    async with sessions.begin() as session:
        await _visible(session, account, lead_id)
        view = await get_lead(session, lead_id)
        labels = await staff_labels(
            session, {view.lead.claimed_by} if view.lead.claimed_by else set()
        )
        conversation = view.lead.conversation_id
        words = await last_words(
            session, {conversation} if view.lead.urgent and conversation else set()
        )
    return view, labels.get(view.lead.claimed_by or 0), words


async def lead_detail(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int
) -> LeadDetail:
    """The lead page's content; opening it is recorded in the audit log.

    Raises:
        NotFoundError: no such lead, or not in ``account``'s sectors.
    """
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        view = await get_lead(session, lead_id)
        conversation = (
            await session.get(Conversation, lead.conversation_id) if lead.conversation_id else None
        )
        transcript = await _transcript(session, lead.conversation_id)
        events = list(
            await session.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
            )
        )
        people = {event.user_id for event in events if event.user_id}
        people |= {m.author_user_id for m in transcript if m.author_user_id}
        if lead.claimed_by:
            people.add(lead.claimed_by)
        if conversation and conversation.takeover_by:
            people.add(conversation.takeover_by)
        labels = await staff_labels(session, people)
        history = [(event, labels.get(event.user_id or 0, "")) for event in events]
        colleagues = await colleagues_for(session, lead.sector_id)
        sectors = list(await session.scalars(select(Sector).order_by(Sector.name)))
        media = await media_of_conversation(session, lead.conversation_id)
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action="view",
            target_type="lead",
            target_id=str(lead_id),
        )
    return LeadDetail(view, conversation, transcript, history, labels, colleagues, sectors, media)


async def _transcript(
    session: AsyncSession, conversation_id: int | None, *, after: int = 0
) -> list[Message]:
    if conversation_id is None:
        return []
    return list(
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after)
            .order_by(Message.created_at, Message.id)
        )
    )


async def messages_after(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int, after: int
) -> tuple[list[Message], dict[int, str], dict[int, MediaSummary]]:
    """Transcript lines newer than ``after``, for the live lead page, with author labels and
    the kept files they announce (played in the line)."""
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        messages = await _transcript(session, lead.conversation_id, after=after)
        labels = await staff_labels(
            session, {m.author_user_id for m in messages if m.author_user_id}
        )
        media = (
            await media_of_conversation(session, lead.conversation_id)
            if any(m.intent == "media" for m in messages)
            else []
        )
    return messages, labels, {m.message_id: m for m in media if m.message_id is not None}


async def claim_lead(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    *,
    events: EventBus,
    now: datetime | None = None,
) -> None:
    """Take a new lead. Of two counsellors clicking at once, exactly one wins.

    The claim is one conditional UPDATE (``WHERE status = 'new'``), so the database, not
    this process, decides the winner, also across several server processes.

    Raises:
        NotFoundError: no such lead in ``account``'s sectors.
        ConflictError: it was claimed already; the message names who holds it.
    """
    now = now or datetime.now(UTC)
    _require_leads(account)
    visible = _seen_by(account)
    async with sessions.begin() as session:
        # The UPDATE comes first in the transaction: on SQLite it then waits for the write
        # lock instead of failing on a stale read snapshot.
        won = await session.execute(
            update(Lead)
            .where(Lead.id == lead_id, Lead.status == LeadStatus.NEW, visible)
            .values(
                status=LeadStatus.CLAIMED,
                claimed_by=account.id,
                claimed_at=now,
                updated_at=now,
                status_changed_at=now,
            )
            .returning(Lead.id)
        )
        if won.scalar() is None:
            lead = await _visible(session, account, lead_id)
            if lead.claimed_by == account.id:
                raise ConflictError("tu as déjà pris ce contact")
            holders = await staff_labels(session, {lead.claimed_by} if lead.claimed_by else set())
            holder = holders.get(lead.claimed_by or 0)
            if holder:
                raise ConflictError(f"déjà pris par {holder}")
            raise ConflictError(f"ce contact n'est plus nouveau ({lead.status})")
        session.add(
            LeadEvent(
                lead_id=lead_id, user_id=account.id, kind="claimed", status=LeadStatus.CLAIMED
            )
        )
        await _audit(session, account, "claim", lead_id)
        lead = await _visible(session, account, lead_id)
        event = _event(lead)
    logger.info("lead %s claimed by user %s", lead_id, account.id)
    await events.publish(event)


def _status_event(
    lead_id: int,
    account: Account,
    status: LeadStatus,
    now: datetime,
    *,
    outcome: Outcome | None = None,
) -> LeadEvent:
    """The history line of a status reached (and, on closing, how it ended)."""
    return LeadEvent(
        lead_id=lead_id, user_id=account.id, kind="status", status=status, outcome=outcome, at=now
    )


async def _audit(session: AsyncSession, account: Account, action: str, lead_id: int) -> None:
    await record_access(
        session,
        actor=account.email,
        user_id=account.id,
        action=action,
        target_type="lead",
        target_id=str(lead_id),
    )


CLOSING_NEEDS_OUTCOME: Final = (
    "Pour clore ce contact, choisis comment ça s'est terminé (CEJ, formation, emploi, "
    "accompagnement, orienté ailleurs, joint sans suite, pas de réponse, pas intéressé)."
)


async def change_status(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    status: str,
    *,
    events: EventBus,
    now: datetime | None = None,
) -> None:
    """Move a lead along its follow-up (see :func:`outreach_bot.domain.leads.can_move`).

    Closing goes through :func:`close_lead`, which asks how it ended: an ending chosen here
    is refused, so that no lead ends without its outcome.

    Raises:
        InvalidInputError: an unknown status, an ending, or a move the follow-up does not
            allow.
        ConflictError: the lead is at that status already, or changed meanwhile.
        NotFoundError: no such lead in ``account``'s sectors.
    """
    try:
        target = LeadStatus(status)
    except ValueError as error:
        raise InvalidInputError(f"statut inconnu : {status!r}") from error
    if target in CLOSED_STATUSES:
        raise InvalidInputError(CLOSING_NEEDS_OUTCOME)
    if target is LeadStatus.CLAIMED:
        async with sessions.begin() as session:
            current = (await _visible(session, account, lead_id)).status
        if current == LeadStatus.NEW:
            await claim_lead(sessions, account, lead_id, events=events, now=now)
            return
    await _move(sessions, account, lead_id, target, None, events=events, now=now)


async def close_lead(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    outcome: str,
    *,
    events: EventBus,
    now: datetime | None = None,
) -> LeadStatus:
    """End the follow-up with how it ended; the outcome decides the ending status
    (:data:`~outreach_bot.domain.leads.OUTCOME_STATUS`), so "mobilisé" means what it says.

    Returns:
        The ending status the lead got.

    Raises:
        InvalidInputError: no outcome, or an unknown one (nothing changes).
        ConflictError: the lead is closed already, or changed meanwhile.
        NotFoundError: no such lead in ``account``'s sectors.
    """
    try:
        chosen = Outcome(outcome.strip())
    except ValueError as error:
        raise InvalidInputError(CLOSING_NEEDS_OUTCOME) from error
    target = OUTCOME_STATUS[chosen]
    await _move(sessions, account, lead_id, target, chosen, events=events, now=now)
    return target


async def _move(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    target: LeadStatus,
    outcome: Outcome | None,
    *,
    events: EventBus,
    now: datetime | None,
) -> None:
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        current = LeadStatus(lead.status)
        if current in CLOSED_STATUSES and target in CLOSED_STATUSES:
            raise ConflictError("ce contact est déjà clos : rouvre-le d'abord")
        if current is target:
            raise ConflictError(f"ce contact est déjà au statut {target}")
        if not can_move(current, target):
            raise InvalidInputError(f"impossible de passer de {current} à {target}")
        # A reopened lead has no outcome until it is closed again.
        values: dict[str, Any] = {
            "status": target,
            "outcome": outcome,
            "updated_at": now,
            "status_changed_at": now,
        }
        if lead.claimed_by is None:
            values |= {"claimed_by": account.id, "claimed_at": now}
        changed = await session.execute(
            update(Lead)
            .where(Lead.id == lead_id, Lead.status == current)
            .values(**values)
            .returning(Lead.id)
        )
        if changed.scalar() is None:
            raise ConflictError("quelqu'un a modifié ce contact entre-temps : regarde à nouveau")
        if outcome in REACHING_OUTCOMES and current in BEFORE_CONTACT:
            session.add(_status_event(lead_id, account, LeadStatus.CONTACTED, now))
        session.add(_status_event(lead_id, account, target, now, outcome=outcome))
        await _audit(session, account, "close" if outcome else "status", lead_id)
        if target in ENDED_WITHOUT_FOLLOW_UP and lead.conversation_id is not None:
            # Reminders of an appointment and messages planned for later would otherwise
            # still reach someone the team has stopped following.
            await cancel_pending(
                session, lead.conversation_id, reason="lead closed", lead_id=lead_id, now=now
            )
        event = _event(await _visible(session, account, lead_id))
    logger.info("lead %s moved to %s by user %s", lead_id, target, account.id)
    await events.publish(event)


async def add_note(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    note: str,
    *,
    form_key: str = "",
) -> None:
    """Add a note to a lead's history; the same form submitted twice adds it once.

    Raises:
        InvalidInputError: an empty or over-long note.
        ConflictError: this form was submitted already.
    """
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInputError(f"une note fait de 1 à {MAX_NOTE} caractères")
    async with sessions.begin() as session:
        await _visible(session, account, lead_id)
        if not await spend_form_key(session, form_key, account.id):
            raise ConflictError("cette note est déjà enregistrée")
        session.add(LeadEvent(lead_id=lead_id, user_id=account.id, kind="note", note=note))
        await _audit(session, account, "note", lead_id)


async def set_next_action(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    on: date | None,
) -> None:
    """Set (or clear, with None) the date of the next thing to do for this lead."""
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        lead.next_action_on = on
        lead.updated_at = datetime.now(UTC)
        session.add(
            LeadEvent(
                lead_id=lead_id,
                user_id=account.id,
                kind="next_action",
                note=on.isoformat() if on else None,
            )
        )
        await _audit(session, account, "next_action", lead_id)


async def reassign(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    *,
    to_user_id: int | None = None,
    to_sector_id: int | None = None,
    events: EventBus,
) -> None:
    """Hand a lead to a colleague, or move it to another sector's queue, or both.

    Raises:
        InvalidInputError: neither given, an unknown sector, or a colleague who may not see
            the lead's (new) sector.
    """
    if to_user_id is None and to_sector_id is None:
        raise InvalidInputError("choisis un ou une collègue, ou un secteur")
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        parts: list[str] = []
        if to_sector_id is not None and to_sector_id != lead.sector_id:
            sector = await session.get(Sector, to_sector_id)
            if sector is None:
                raise InvalidInputError("secteur inconnu")
            lead.sector_id = sector.id
            parts.append(f"secteur : {sector.name}")
        if to_user_id is not None:
            allowed = {user.id for user in await colleagues_for(session, lead.sector_id)}
            if to_user_id not in allowed:
                raise InvalidInputError(
                    "cette personne ne travaille pas dans le secteur du contact"
                )
            lead.claimed_by = to_user_id
            lead.claimed_at = now
            if lead.status == LeadStatus.NEW:
                lead.status = LeadStatus.CLAIMED
                lead.status_changed_at = now
            parts.append(f"confié à : {(await staff_labels(session, {to_user_id}))[to_user_id]}")
        if not parts:
            raise ConflictError("rien à changer")
        lead.updated_at = now
        session.add(
            LeadEvent(
                lead_id=lead_id,
                user_id=account.id,
                kind="reassigned",
                status=lead.status,
                note=" ; ".join(parts),
            )
        )
        await _audit(session, account, "reassign", lead_id)
        await session.flush()
        event = _event(lead)
    await events.publish(event)


async def send_counsellor_reply(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    text: str,
    *,
    form_key: str,
    takeover_hours: float,
    queued_channels: frozenset[str],
    policies: Mapping[str, SendPolicy],
    events: EventBus,
    on_queued: Callable[[], None] = lambda: None,
    whatsapp_templates: Mapping[str, Template] | None = None,
    now: datetime | None = None,
) -> SentReply:
    """Write to the young person on their own channel, and silence the bot meanwhile.

    The message joins the transcript; on Telegram and SMS it also goes into the outbox,
    not before the sending rules allow (quiet hours), unless it answers a message the young
    person sent within the last half hour. On the web chat there is
    nothing to push: the page fetches it (:func:`counsellor_messages`). The bot stays quiet
    for ``takeover_hours`` after the latest counsellor message, or until :func:`hand_back`.

    Raises:
        InvalidInputError: an empty or over-long text.
        ConflictError: the person sent STOP, cannot be reached, was erased, this form was
            submitted already, or WhatsApp's 24-hour window is closed and no approved
            template serves counsellors (``whatsapp_templates``, by kind).
    """
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise InvalidInputError(f"un message fait de 1 à {MAX_REPLY} caractères")
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        conversation = (
            await session.get(Conversation, lead.conversation_id, with_for_update=True)
            if lead.conversation_id
            else None
        )
        if conversation is None or conversation.sender_ref is None:
            raise ConflictError("cette conversation n'existe plus")
        if conversation.channel not in REPLYABLE_CHANNELS:
            raise ConflictError("on ne peut pas écrire sur ce canal : utilise le téléphone")
        if conversation.opted_out:
            raise ConflictError("cette personne a envoyé STOP : plus aucun message")
        if conversation.unreachable:
            raise ConflictError("cette personne est injoignable sur ce canal")
        if not await spend_form_key(session, form_key, account.id):
            raise ConflictError("ce message est déjà parti")
        message = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            author=Author.COUNSELLOR,
            author_user_id=account.id,
            text=text,
            created_at=now,
        )
        session.add(message)
        await session.flush()
        conversation.takeover_by = account.id
        conversation.takeover_until = now + timedelta(hours=takeover_hours)
        # Written to the young person: a crisis kept back for them is theirs to answer now.
        await cancel_pending(
            session, conversation.id, reason="a counsellor answered", kinds={CRISIS_CHECK}, now=now
        )
        not_before = None
        if conversation.channel in queued_channels:
            # Answering what the young person wrote a moment ago is never held (rules.py);
            # on WhatsApp the window must still be open when the quiet hours let it go.
            not_before, in_reply, blocked = counsellor_send_time(
                conversation, policies, whatsapp_templates or {}, now
            )
            if blocked is not None:
                raise ConflictError(blocked)
            await enqueue(
                session,
                conversation,
                Reply(text),
                dedupe=f"counsellor:{message.id}",
                in_reply=in_reply,
                message_id=message.id,
                not_before=not_before,
                kind=COUNSELLOR_KIND,
            )
        session.add(LeadEvent(lead_id=lead_id, user_id=account.id, kind="reply", at=now))
        contacted = lead.status in BEFORE_CONTACT
        if contacted:
            # Writing to the young person is contacting them: the queue and the funders'
            # "contactés" follow without a second click, and the history says when.
            if lead.claimed_by is None:
                lead.claimed_by = account.id
                lead.claimed_at = now
            lead.status = LeadStatus.CONTACTED
            lead.status_changed_at = now
            session.add(_status_event(lead_id, account, LeadStatus.CONTACTED, now))
        lead.updated_at = now
        await _audit(session, account, "reply", lead_id)
        published = [_event(lead, "message")] + ([_event(lead)] if contacted else [])
        sent = SentReply(message.id, not_before is not None, not_before)
    logger.info("counsellor %s wrote in conversation %s", account.id, conversation.id)
    if sent.queued:
        on_queued()
    for event in published:
        await events.publish(event)
    return sent


async def hand_back(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    *,
    events: EventBus,
    on_scheduled: Callable[[], None] = lambda: None,
    now: datetime | None = None,
) -> None:
    """End the takeover: the bot answers this young person again, and tells them so.

    The young person was talking to a person; a bot answering the next message without a word
    would be a surprise. So a short message says the bot is back, on their own channel (the
    web chat fetches it): a :data:`~outreach_bot.core.leads.takeover.HANDED_BACK` row of the
    scheduler, which keeps to the sending rules and is dropped if a counsellor writes again or
    the young person writes first (the bot's answer then says it). ``on_scheduled`` wakes the
    scheduler.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await _visible(session, account, lead_id)
        conversation = (
            await session.get(Conversation, lead.conversation_id) if lead.conversation_id else None
        )
        if conversation is None or conversation.takeover_until is None:
            raise ConflictError("le bot répond déjà dans cette conversation")
        conversation.takeover_by = None
        conversation.takeover_until = None
        session.add(LeadEvent(lead_id=lead_id, user_id=account.id, kind="handed_back", at=now))
        await _audit(session, account, "hand_back", lead_id)
        if not conversation.opted_out:
            await tell_bot_is_back(session, conversation, now=now)
        event = _event(lead)
    on_scheduled()
    await events.publish(event)


@dataclass(frozen=True, slots=True)
class WebchatLine:
    """One message for the web chat page: a counsellor's, or the bot's sent later."""

    id: int
    text: str
    at: datetime
    from_counsellor: bool


@dataclass(frozen=True, slots=True)
class WebchatNews:
    """What the web chat page fetches (it has no push): messages written to it outside its own
    requests, and whether a counsellor holds the conversation (its header says who writes)."""

    messages: list[WebchatLine]
    held: bool


async def webchat_news(
    sessions: async_sessionmaker[AsyncSession],
    *,
    channel: str,
    sender_id: str,
    after: int = 0,
    now: datetime | None = None,
) -> WebchatNews:
    """Messages to one web-chat sender newer than ``after``, oldest first, and the takeover.

    The messages are the counsellor's, and the bot's that went out later rather than as an
    answer (the crisis numbers sent when nobody on the team has answered a crisis during a
    takeover: :mod:`outreach_bot.core.leads.takeover`). The sender id, random and known only
    to that browser, is what lets it read them.
    """
    sender_hash = current_cipher().lookup_hash(f"{channel}:{sender_id}")
    now = now or datetime.now(UTC)
    async with sessions() as session:
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.sender_hash == sender_hash
            )
        )
        if conversation is None:
            return WebchatNews([], held=False)
        late = select(ScheduledMessage.message_id).where(
            ScheduledMessage.conversation_id == conversation.id,
            ScheduledMessage.message_id.is_not(None),
        )
        rows = await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                (Message.author == Author.COUNSELLOR) | Message.id.in_(late),
                Message.id > after,
            )
            .order_by(Message.id)
            .limit(50)
        )
        messages = [
            WebchatLine(row.id, row.text, _aware(row.created_at), row.author == Author.COUNSELLOR)
            for row in rows
            if row.text is not None
        ]
        until = conversation.takeover_until
        return WebchatNews(messages, held=until is not None and _aware(until) > now)
