"""A referral's life, from the counsellor's proposal to the partner's outcome.

The rules that protect the young person live here, whichever page or channel calls:
nothing is shared before their explicit yes (the dialogue decides what is explicit, see
:mod:`outreach_bot.dialogue.referral`); the partner sees only what they agreed to, through a
one-time link of which only a hash is stored; every view and change is audited; erasure
ends every open referral. E-mail is sent after the transaction that decided it, so a relay
that is down never loses a decision (:func:`deliver_pending` tries again later).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Exists, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.core.delivery.outbox import COUNSELLOR_KIND, SendPolicy, enqueue
from outreach_bot.core.delivery.whatsapp import Template, counsellor_send_time
from outreach_bot.core.mail.sender import Mail, MailError, MailSender
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.dialogue.state import DialogueState
from outreach_bot.domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from outreach_bot.domain.places import TEAM_ZONE
from outreach_bot.domain.referrals import (
    OPEN_STATUSES,
    ReferralOutcome,
    ReferralStatus,
    is_ask_expired,
    is_closing_due,
    is_reminder_due,
    link_expiry,
    partner_may,
)
from outreach_bot.domain.roles import Role
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Author,
    Consent,
    Conversation,
    Direction,
    Lead,
    LeadEvent,
    Message,
    OutboxItem,
    OutboxStatus,
    PartnerMember,
    PartnerOrganisation,
    PartnerService,
    Referral,
    User,
)

logger = logging.getLogger(__name__)

MAX_REASON: Final = 1000
MAX_NOTE: Final = 1000
#: Channels on which the young person can be asked (a team's own Rasa assistant cannot).
ASKABLE_CHANNELS: Final = frozenset({"telegram", "sms", "rest", "console", "whatsapp"})
#: Outbox states of a question that has reached the young person's channel.
DELIVERED_STATUSES: Final = frozenset(
    {OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ}
)


@dataclass(frozen=True, slots=True)
class ReferralProposed:
    """A referral just proposed: its id, when its question leaves, and what the counsellor
    reads about it (French)."""

    id: int
    leaves_at: datetime
    notice: str


@dataclass(frozen=True, slots=True)
class ReferralQuestion:
    """The referral a conversation has been asked about and not yet answered."""

    referral_id: int
    organisation: str


@dataclass(frozen=True, slots=True)
class ReferralView:
    """A referral as the counsellor's lead page and the partner's pages show it."""

    id: int
    lead_id: int | None
    organisation_id: int | None
    organisation: str
    service: str
    status: ReferralStatus
    outcome: ReferralOutcome | None
    reason: str
    shared: Mapping[str, str]
    partner_note: str
    email_status: str | None
    proposed_at: datetime
    answered_at: datetime | None
    sent_at: datetime | None
    partner_answered_at: datetime | None
    outcome_at: datetime | None
    reminded_at: datetime | None
    closed_at: datetime | None
    link_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadlineReport:
    """What one pass of :func:`run_deadlines` did."""

    unanswered: int
    reminded: int
    closed: int


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def partner_link(public_url: str, token: str) -> str:
    """The partner's page for one referral: the token is the only key."""
    return f"{public_url.rstrip('/')}/admin/orientation/{token}"


# -- the counsellor proposes -----------------------------------------------------------------


async def propose_referral(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    service_id: int,
    reason: str,
    *,
    content: Content,
    queued_channels: frozenset[str],
    policies: Mapping[str, SendPolicy],
    on_queued: Callable[[], None] = lambda: None,
    whatsapp_templates: Mapping[str, Template] | None = None,
    now: datetime | None = None,
) -> ReferralProposed:
    """Ask the young person, on their own channel, whether a partner may be told about them.

    The question names the organisation and exactly what would be shared; nothing is shared
    now. One question at a time per young person. The answer says when the question leaves
    (the quiet hours may hold it).

    Raises:
        InvalidInputError: no reason, or too long.
        NotFoundError: the lead or the service is not there (or not visible).
        ConflictError: the person cannot be asked (STOP, unreachable, another channel, erased,
            WhatsApp's 24-hour window closed with no counsellor template) or a question is
            already waiting.
    """
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInputError(f"le motif fait de 1 à {MAX_REASON} caractères")
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await _visible_lead(session, account, lead_id)
        row = (
            await session.execute(
                select(PartnerService, PartnerOrganisation)
                .join(PartnerOrganisation)
                .where(PartnerService.id == service_id)
            )
        ).first()
        if row is None or not (row[0].active and row[1].active):
            raise NotFoundError(f"service {service_id} not found")
        service, organisation = row
        conversation = (
            await session.get(Conversation, lead.conversation_id, with_for_update=True)
            if lead.conversation_id
            else None
        )
        if conversation is None or conversation.sender_ref is None:
            raise ConflictError("cette conversation n'existe plus")
        if conversation.channel not in ASKABLE_CHANNELS:
            raise ConflictError("on ne peut pas demander l'accord sur ce canal")
        if conversation.opted_out or conversation.unreachable:
            raise ConflictError("cette personne ne reçoit plus nos messages")
        if await _question_of(session, conversation.id) is not None:
            raise ConflictError("une autre orientation attend déjà sa réponse")
        # Like a counsellor's answer: asked while the young person is writing, the question
        # goes at once, quiet hours or not; otherwise it waits for them to end.
        leaves, live, blocked = counsellor_send_time(
            conversation, policies, whatsapp_templates or {}, now
        )
        if blocked is not None:
            raise ConflictError(blocked)
        referral = Referral(
            lead_id=lead.id,
            conversation_id=conversation.id,
            organisation_id=organisation.id,
            service_id=service.id,
            proposed_by=account.id,
            status=ReferralStatus.ASKED,
            reason=reason,
            proposed_at=now,
        )
        session.add(referral)
        await session.flush()
        locale = conversation.locale
        question = content.privacy.referral_consent.text.get(locale).format(
            organisation=organisation.name, shared=_shared_phrase(content, lead, locale)
        )
        buttons = (
            Button(content.message("button_yes", locale), "/affirm"),
            Button(content.message("button_no", locale), "/deny"),
        )
        message = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            author=Author.COUNSELLOR,
            author_user_id=account.id,
            text=question,
            created_at=now,
        )
        session.add(message)
        await session.flush()
        # A typed "1" or "oui" on SMS picks these buttons, like the bot's own.
        state = DialogueState.from_json(conversation.state)
        state.offer(buttons)
        conversation.state = state.to_json()
        if conversation.channel in queued_channels:
            await enqueue(
                session,
                conversation,
                Reply(question, buttons),
                dedupe=_question_key(referral.id),
                in_reply=live,
                message_id=message.id,
                not_before=leaves,
                kind=COUNSELLOR_KIND,  # outside WhatsApp's window, the counsellor's template
            )
        _tell_counsellor(session, referral, f"Orientation proposée vers {organisation.name}.")
        await _audit(session, account, "referral_proposed", referral.id)
    if conversation.channel in queued_channels:
        on_queued()
    logger.info("referral %s proposed for lead %s", referral.id, lead_id)
    if leaves <= now:
        notice = "Question envoyée au jeune : rien n'est transmis avant son oui."
    else:
        local = leaves.astimezone(TEAM_ZONE)  # as the back office writes every time
        notice = (
            f"Question prête : elle partira {local:%d/%m} à {local:%H:%M}, à la fin des heures "
            "calmes ; rien n'est transmis avant son oui, et un « oui » écrit d'ici là ne "
            "compte pas."
        )
    return ReferralProposed(referral.id, leaves, notice)


def _shared_phrase(content: Content, lead: Lead, locale: str) -> str:
    """ "ton prénom, ton numéro et ta demande": exactly what the partner would receive."""
    keys = [
        key
        for key, present in (
            ("referral_share_first_name", bool(lead.first_name)),
            ("referral_share_phone", bool(lead.phone)),
            ("referral_share_need", True),
        )
        if present
    ]
    parts = [content.message(key, locale) for key in keys]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + content.message("referral_share_and", locale) + parts[-1]


async def _visible_lead(session: AsyncSession, account: Account, lead_id: int) -> Lead:
    if not account.works_on_leads:
        raise PermissionDeniedError("ton rôle ne donne pas accès aux contacts")
    lead = await session.get(Lead, lead_id)
    if lead is None or not account.can_see(lead.sector_id, urgent=lead.urgent):
        raise NotFoundError(f"lead {lead_id} not found")
    return lead


# -- the young person answers ----------------------------------------------------------------


async def _question_of(session: AsyncSession, conversation_id: int) -> Referral | None:
    return await session.scalar(
        select(Referral)
        .where(
            Referral.conversation_id == conversation_id,
            Referral.status == ReferralStatus.ASKED,
        )
        .order_by(Referral.id.desc())
        .limit(1)
    )


def question_waiting() -> Exists:
    """A column for the conversation's own query: does a referral question wait for an answer?

    Folded into the one read every message starts with, so an ordinary turn costs nothing more.
    """
    return exists().where(
        Referral.conversation_id == Conversation.id, Referral.status == ReferralStatus.ASKED
    )


def _question_key(referral_id: int) -> str:
    """The outbox's dedupe key of a referral's question."""
    return f"referral:{referral_id}"


async def _question_left(session: AsyncSession, referral: Referral) -> bool:
    """Whether the question has reached the young person's channel.

    A question held by the quiet hours (or failing) has not: a "oui" written meanwhile answers
    something else. The web chat has no outbox row; its page shows the question at once.
    """
    conversation = await session.get(Conversation, referral.conversation_id)
    if conversation is None:
        return False
    key = current_cipher().lookup_hash(f"{conversation.channel}:{_question_key(referral.id)}")
    status = await session.scalar(select(OutboxItem.status).where(OutboxItem.dedupe_key == key))
    return status is None or status in DELIVERED_STATUSES


async def pending_question(session: AsyncSession, conversation_id: int) -> ReferralQuestion | None:
    """The question this conversation has received and not answered yet, for the dialogue
    engine (one still waiting to leave is not a question yet)."""
    referral = await _question_of(session, conversation_id)
    if referral is None or not await _question_left(session, referral):
        return None
    name = await session.scalar(
        select(PartnerOrganisation.name).where(PartnerOrganisation.id == referral.organisation_id)
    )
    return ReferralQuestion(referral.id, name or "")


async def record_answer(
    session: AsyncSession,
    question: ReferralQuestion,
    *,
    agreed: bool,
    consent_text_version: str,
    channel: str,
    now: datetime,
) -> None:
    """Apply the young person's explicit answer, in the conversation's transaction.

    A yes is recorded like the first consent (text version, time, channel), and only then is
    what the partner will see copied onto the referral; :func:`deliver_pending` then tells
    the partner. A no shares nothing.
    """
    referral = await session.get(Referral, question.referral_id, with_for_update=True)
    if referral is None or referral.status != ReferralStatus.ASKED:
        return  # answered or withdrawn meanwhile
    referral.answered_at = now
    if not agreed:
        referral.status = ReferralStatus.REFUSED
        _tell_counsellor(session, referral, "Le jeune a répondu non : rien n'a été transmis.")
        await _audit_system(session, "young_person", "referral_refused", referral.id)
        return
    consent = Consent(
        conversation_id=referral.conversation_id,
        given_at=now,
        text_version=consent_text_version,
        channel=channel,
    )
    session.add(consent)
    await session.flush()
    lead = await session.get(Lead, referral.lead_id) if referral.lead_id else None
    shared = {"need": referral.reason or ""}
    if lead is not None and lead.first_name:
        shared["first_name"] = lead.first_name
    if lead is not None and lead.phone:
        shared["phone"] = lead.phone
    referral.consent_id = consent.id
    referral.shared = json.dumps(shared, ensure_ascii=False)
    referral.status = ReferralStatus.SENT
    referral.sent_at = now
    referral.email_status = "pending"
    _tell_counsellor(
        session, referral, f"Le jeune a dit oui : transmis à {question.organisation}."
    )
    await _audit_system(session, "young_person", "referral_agreed", referral.id)


# -- telling the partner ---------------------------------------------------------------------


async def deliver_pending(
    sessions: async_sessionmaker[AsyncSession],
    mailer: MailSender,
    *,
    public_url: str,
    now: datetime | None = None,
) -> int:
    """E-mail the partner of every agreed referral not told yet; returns how many were sent.

    Each gets a fresh link, committed before the e-mail leaves: a relay that fails keeps
    the referral waiting for the next pass (temporary) or shows the counsellor a link to copy
    (no SMTP, a refused address).
    """
    now = now or datetime.now(UTC)
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Referral.id).where(
                    Referral.status == ReferralStatus.SENT,
                    Referral.email_status.in_(["pending", "retry"]),
                )
            )
        )
    sent = 0
    for referral_id in ids:
        if await _email_partner(sessions, mailer, referral_id, public_url, now, reminder=False):
            sent += 1
    return sent


async def _email_partner(
    sessions: async_sessionmaker[AsyncSession],
    mailer: MailSender,
    referral_id: int,
    public_url: str,
    now: datetime,
    *,
    reminder: bool,
) -> bool:
    token = secrets.token_urlsafe(24)
    async with sessions.begin() as session:
        referral = await session.get(Referral, referral_id, with_for_update=True)
        if referral is None or referral.status != ReferralStatus.SENT:
            return False
        if not reminder and referral.email_status not in {"pending", "retry"}:
            return False  # another pass (another worker) has it
        address, organisation, service = await _partner_contact(session, referral)
        if not mailer.configured:
            referral.email_status = "no_smtp"
            if not reminder:
                _tell_counsellor(
                    session,
                    referral,
                    "Pas d'e-mail configuré : copie le lien pour le partenaire depuis la fiche.",
                )
            return False
        if not address:
            referral.email_status = "no_address"
            _tell_counsellor(
                session, referral, "Ce service n'a pas d'adresse e-mail : copie le lien."
            )
            return False
        referral.token_hash = _token_hash(token)
        referral.link_expires_at = link_expiry(now)
        # Claimed: a second pass skips it. A crash before the answer leaves it "sending";
        # the counsellor can still copy a link from the lead page.
        referral.email_status = "sending"
    link = partner_link(public_url, token)
    subject = (
        f"Rappel : orientation en attente pour {service}"
        if reminder
        else f"Nouvelle orientation pour {service}"
    )
    text = (
        f"Bonjour,\n\nLa Mission Locale vous adresse une jeune personne pour « {service} » "
        f"({organisation}). Elle a donné son accord pour que ces informations vous soient "
        f"transmises.\n\nPour les lire, accepter ou refuser l'orientation, ouvrez ce lien "
        f"(valable 8 jours) :\n{link}\n\nSans réponse sous 30 jours, la demande sera close.\n"
    )
    try:
        await mailer.send(Mail(to=address, subject=subject, text=text))
    except MailError as error:
        status = "retry" if error.temporary else "failed"
        async with sessions.begin() as session:
            referral = await session.get(Referral, referral_id)
            if referral is not None:
                referral.email_status = status
                if status == "failed":
                    _tell_counsellor(
                        session, referral, "L'e-mail au partenaire a été refusé : copie le lien."
                    )
        logger.warning("referral %s: e-mail not sent (%s)", referral_id, status)
        return False
    async with sessions.begin() as session:
        referral = await session.get(Referral, referral_id)
        if referral is not None:
            referral.email_status = "sent"
            await _audit_system(
                session,
                "system",
                "referral_reminded" if reminder else "referral_emailed",
                referral_id,
            )
    return True


async def _partner_contact(session: AsyncSession, referral: Referral) -> tuple[str, str, str]:
    """The referral e-mail of the service (else its organisation), and both names."""
    organisation = (
        await session.get(PartnerOrganisation, referral.organisation_id)
        if referral.organisation_id
        else None
    )
    service = (
        await session.get(PartnerService, referral.service_id) if referral.service_id else None
    )
    address = (service.referral_email if service else "") or (
        organisation.email if organisation else ""
    )
    return (
        address,
        organisation.name if organisation else "",
        service.name if service else (organisation.name if organisation else ""),
    )


async def make_link(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    referral_id: int,
    *,
    public_url: str,
    now: datetime | None = None,
) -> str:
    """A fresh link for the partner that the counsellor copies (without e-mail, or besides).

    The previous link stops working: only one is ever valid.

    Raises:
        NotFoundError: not a referral this account sees.
        ConflictError: the young person has not agreed, or the referral is over.
    """
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(24)
    async with sessions.begin() as session:
        referral = await session.get(Referral, referral_id, with_for_update=True)
        if referral is None or referral.lead_id is None:
            raise NotFoundError(f"referral {referral_id} not found")
        await _visible_lead(session, account, referral.lead_id)
        if referral.status != ReferralStatus.SENT:
            raise ConflictError("pas de lien : le jeune n'a pas dit oui, ou c'est terminé")
        referral.token_hash = _token_hash(token)
        referral.link_expires_at = link_expiry(now)
        await _audit(session, account, "referral_link", referral.id)
    return partner_link(public_url, token)


# -- the partner's side ----------------------------------------------------------------------


class LinkExpiredError(ConflictError):
    """The partner's link is past its 8 days; the team can send a new one."""


async def referral_by_token(
    sessions: async_sessionmaker[AsyncSession], token: str, *, now: datetime | None = None
) -> ReferralView:
    """What the partner's link shows, audited as a view.

    A withdrawn referral is shown (its page says so) without any personal data.

    Raises:
        NotFoundError: no referral has this link (or it was replaced).
        LinkExpiredError: the link is older than 8 days.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        referral = await _by_token(session, token, now)
        await _audit_system(session, "partner_link", "referral_view", referral.id)
        return await _view(session, referral)


async def _by_token(session: AsyncSession, token: str, now: datetime) -> Referral:
    if not token or len(token) > 100:  # noqa: PLR2004 - ours are 32 characters
        raise NotFoundError("unknown link")
    referral = await session.scalar(
        select(Referral).where(Referral.token_hash == _token_hash(token)).with_for_update()
    )
    if referral is None:
        raise NotFoundError("unknown link")
    expires = _aware(referral.link_expires_at)
    if referral.status in OPEN_STATUSES and (expires is None or expires <= now):
        raise LinkExpiredError("ce lien a expiré")
    return referral


async def act_by_token(
    sessions: async_sessionmaker[AsyncSession],
    token: str,
    action: str,
    *,
    note: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> ReferralView:
    """The partner accepts, declines (with a reason) or reports the outcome through the link.

    Raises:
        NotFoundError, LinkExpiredError: as :func:`referral_by_token`.
        InvalidInputError: a decline without a reason, an unknown outcome or action.
        ConflictError: the referral is not in a state that allows it (withdrawn, closed...).
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        referral = await _by_token(session, token, now)
        _act(session, referral, action, note=note, outcome=outcome, now=now)
        await _audit_system(session, "partner_link", f"referral_{action}", referral.id)
        return await _view(session, referral)


async def act_as_member(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    referral_id: int,
    action: str,
    *,
    note: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> ReferralView:
    """The same as :func:`act_by_token`, for a signed-in partner account of the organisation.

    Raises:
        NotFoundError: not a referral of this account's organisation.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        referral = await _member_referral(session, account, referral_id)
        _act(session, referral, action, note=note, outcome=outcome, now=now)
        await _audit(session, account, f"referral_{action}", referral.id)
        return await _view(session, referral)


def _act(
    session: AsyncSession,
    referral: Referral,
    action: str,
    *,
    note: str,
    outcome: str,
    now: datetime,
) -> None:
    status = ReferralStatus(referral.status)
    if action not in {"accept", "decline", "outcome"}:
        raise InvalidInputError("action inconnue")
    if not partner_may(status, action):
        raise ConflictError("cette orientation n'attend plus cette réponse")
    note = note.strip()[:MAX_NOTE]
    if action == "accept":
        referral.status = ReferralStatus.ACCEPTED
        referral.partner_answered_at = now
        referral.partner_note = note or None
        _tell_counsellor(session, referral, "Le partenaire a accepté l'orientation.")
    elif action == "decline":
        if not note:
            raise InvalidInputError("indiquez pourquoi vous refusez")
        referral.status = ReferralStatus.DECLINED
        referral.partner_answered_at = now
        referral.partner_note = note
        _tell_counsellor(session, referral, f"Le partenaire a refusé l'orientation : {note}")
    else:
        try:
            chosen = ReferralOutcome(outcome)
        except ValueError as error:
            raise InvalidInputError("résultat inconnu") from error
        referral.outcome = chosen
        referral.outcome_at = now
        _tell_counsellor(
            session, referral, f"Résultat de l'orientation : {OUTCOME_LABELS[chosen]}."
        )


OUTCOME_LABELS: Final = {
    ReferralOutcome.MET: "rencontré",
    ReferralOutcome.FOLLOWED: "accompagnement en cours",
    ReferralOutcome.UNREACHABLE: "injoignable",
}


async def organisation_of(session: AsyncSession, account: Account) -> int | None:
    """The organisation a partner account belongs to."""
    return await session.scalar(
        select(PartnerMember.organisation_id).where(PartnerMember.user_id == account.id)
    )


async def _member_referral(session: AsyncSession, account: Account, referral_id: int) -> Referral:
    if account.role is not Role.PARTNER:
        raise PermissionDeniedError("réservé aux comptes partenaires")
    organisation_id = await organisation_of(session, account)
    referral = await session.get(Referral, referral_id, with_for_update=True)
    if (
        referral is None
        or organisation_id is None
        or referral.organisation_id != organisation_id
        or referral.status
        in {ReferralStatus.ASKED, ReferralStatus.REFUSED, ReferralStatus.NO_ANSWER}
    ):
        raise NotFoundError(f"referral {referral_id} not found")
    return referral


async def referrals_for_member(
    sessions: async_sessionmaker[AsyncSession], account: Account
) -> list[ReferralView]:
    """The referrals sent to a partner account's organisation, newest first (audited).

    Only those the young person agreed to: a question still waiting, or refused, never
    reaches the partner.
    """
    if account.role is not Role.PARTNER:
        raise PermissionDeniedError("réservé aux comptes partenaires")
    async with sessions.begin() as session:
        organisation_id = await organisation_of(session, account)
        if organisation_id is None:
            return []
        rows = list(
            await session.scalars(
                select(Referral)
                .where(
                    Referral.organisation_id == organisation_id,
                    Referral.sent_at.is_not(None),
                )
                .order_by(Referral.id.desc())
                .limit(200)
            )
        )
        views = [await _view(session, referral) for referral in rows]
        for referral in rows:
            await _audit(session, account, "referral_view", referral.id)
        return views


async def add_member(
    sessions: async_sessionmaker[AsyncSession], user_id: int, organisation_id: int
) -> None:
    """Attach a partner account to its organisation.

    Raises:
        NotFoundError: no such account or organisation.
        InvalidInputError: the account's role is not ``partner``.
    """
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None or await session.get(PartnerOrganisation, organisation_id) is None:
            raise NotFoundError("compte ou organisation introuvable")
        if user.role != Role.PARTNER:
            raise InvalidInputError("seul un compte « partner » se rattache à un partenaire")
        await session.merge(PartnerMember(user_id=user_id, organisation_id=organisation_id))


# -- the counsellor's view -------------------------------------------------------------------


async def referrals_for_lead(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int
) -> list[ReferralView]:
    """A lead's referrals, newest first, for its page (audited as a view when there are any)."""
    async with sessions.begin() as session:
        await _visible_lead(session, account, lead_id)
        rows = list(
            await session.scalars(
                select(Referral).where(Referral.lead_id == lead_id).order_by(Referral.id.desc())
            )
        )
        if rows:
            await _audit(session, account, "referral_view", lead_id, target_type="lead")
        return [await _view(session, referral) for referral in rows]


async def withdraw(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    referral_id: int,
    *,
    now: datetime | None = None,
) -> None:
    """The counsellor ends an open referral; its link then says it was withdrawn.

    Raises:
        NotFoundError: not a referral this account sees.
        ConflictError: it is not open any more.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        referral = await session.get(Referral, referral_id, with_for_update=True)
        if referral is None or referral.lead_id is None:
            raise NotFoundError(f"referral {referral_id} not found")
        await _visible_lead(session, account, referral.lead_id)
        if referral.status not in OPEN_STATUSES:
            raise ConflictError("cette orientation est déjà terminée")
        _end(referral, now)
        _tell_counsellor(session, referral, "Orientation retirée.")
        await _audit(session, account, "referral_withdrawn", referral.id)


# -- deadlines, erasure ----------------------------------------------------------------------


async def run_deadlines(
    sessions: async_sessionmaker[AsyncSession],
    mailer: MailSender,
    *,
    public_url: str,
    now: datetime | None = None,
) -> DeadlineReport:
    """Silence after 7 days counts as no; the partner is reminded after 10 days without an
    answer and the referral closed after 30; the counsellor is told each time.

    Safe to run as often as wanted, by several workers: each step checks the state it moves
    from in its own transaction.
    """
    now = now or datetime.now(UTC)
    unanswered = closed = reminded = 0
    async with sessions.begin() as session:
        for referral in await session.scalars(
            select(Referral).where(Referral.status.in_(list(OPEN_STATUSES))).with_for_update()
        ):
            if referral.status == ReferralStatus.ASKED and is_ask_expired(
                _aware(referral.proposed_at) or now, now
            ):
                referral.status = ReferralStatus.NO_ANSWER
                referral.answered_at = now
                await _clear_question(session, referral)
                _tell_counsellor(
                    session, referral, "Pas de réponse du jeune : rien n'a été transmis."
                )
                unanswered += 1
            elif referral.status == ReferralStatus.SENT and is_closing_due(
                _aware(referral.sent_at) or now, now
            ):
                referral.status = ReferralStatus.CLOSED
                referral.closed_at = now
                _tell_counsellor(
                    session,
                    referral,
                    "Sans réponse du partenaire en 30 jours : orientation close.",
                )
                await _audit_system(session, "system", "referral_closed", referral.id)
                closed += 1
    async with sessions() as session:
        due = [
            referral.id
            for referral in await session.scalars(
                select(Referral).where(Referral.status == ReferralStatus.SENT)
            )
            if is_reminder_due(_aware(referral.sent_at) or now, _aware(referral.reminded_at), now)
        ]
    for referral_id in due:
        async with sessions.begin() as session:
            pending = await session.get(Referral, referral_id, with_for_update=True)
            if pending is None or pending.reminded_at is not None:
                continue
            pending.reminded_at = now
            _tell_counsellor(
                session, pending, "Le partenaire n'a pas répondu en 10 jours : relance envoyée."
            )
        reminded += 1
        await _email_partner(sessions, mailer, referral_id, public_url, now, reminder=True)
    return DeadlineReport(unanswered=unanswered, reminded=reminded, closed=closed)


async def _clear_question(session: AsyncSession, referral: Referral) -> None:
    """Forget the yes/no buttons offered, so a later "1" is not taken as this answer."""
    conversation = (
        await session.get(Conversation, referral.conversation_id)
        if referral.conversation_id
        else None
    )
    if conversation is not None:
        state = DialogueState.from_json(conversation.state)
        if state.buttons == ["/affirm", "/deny"]:
            state.offer(())
            conversation.state = state.to_json()


def _end(referral: Referral, now: datetime) -> None:
    """Withdrawn: the link keeps working only to say so (the page shows nothing else)."""
    referral.status = ReferralStatus.WITHDRAWN
    referral.closed_at = now


async def end_referrals(
    session: AsyncSession,
    conversation_id: int | None = None,
    *,
    lead_id: int | None = None,
    now: datetime,
) -> None:
    """Erasure (SUPPRIMER, an admin, the purge): every open referral ends, and every
    referral of this person keeps only its dates and statuses, for the figures.

    The partner's page then says the request was withdrawn and shows nothing else.
    """
    which = (
        Referral.conversation_id == conversation_id
        if conversation_id is not None
        else Referral.lead_id == lead_id
    )
    rows = await session.scalars(select(Referral).where(which))
    for referral in rows:
        if referral.status in OPEN_STATUSES:
            _end(referral, now)
        referral.reason = None
        referral.shared = None
        referral.partner_note = None
        referral.lead_id = None
        referral.conversation_id = None
        referral.consent_id = None


# -- shared helpers --------------------------------------------------------------------------


def _tell_counsellor(session: AsyncSession, referral: Referral, note: str) -> None:
    """A line in the lead's history, which the lead page shows: the counsellor is told."""
    if referral.lead_id is not None:
        session.add(LeadEvent(lead_id=referral.lead_id, user_id=None, kind="referral", note=note))


async def _audit(
    session: AsyncSession,
    account: Account,
    action: str,
    target_id: int,
    *,
    target_type: str = "referral",
) -> None:
    await record_access(
        session,
        actor=account.email,
        user_id=account.id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
    )


async def _audit_system(session: AsyncSession, actor: str, action: str, referral_id: int) -> None:
    await record_access(
        session, actor=actor, action=action, target_type="referral", target_id=str(referral_id)
    )


async def _view(session: AsyncSession, referral: Referral) -> ReferralView:
    organisation = (
        await session.get(PartnerOrganisation, referral.organisation_id)
        if referral.organisation_id
        else None
    )
    service = (
        await session.get(PartnerService, referral.service_id) if referral.service_id else None
    )
    shared: dict[str, str] = json.loads(referral.shared) if referral.shared else {}
    return ReferralView(
        id=referral.id,
        lead_id=referral.lead_id,
        organisation_id=referral.organisation_id,
        organisation=organisation.name if organisation else "",
        service=service.name if service else "",
        status=ReferralStatus(referral.status),
        outcome=ReferralOutcome(referral.outcome) if referral.outcome else None,
        reason=referral.reason or "",
        shared=shared,
        partner_note=referral.partner_note or "",
        email_status=referral.email_status,
        proposed_at=_aware(referral.proposed_at) or referral.proposed_at,
        answered_at=_aware(referral.answered_at),
        sent_at=_aware(referral.sent_at),
        partner_answered_at=_aware(referral.partner_answered_at),
        outcome_at=_aware(referral.outcome_at),
        reminded_at=_aware(referral.reminded_at),
        closed_at=_aware(referral.closed_at),
        link_expires_at=_aware(referral.link_expires_at),
    )
