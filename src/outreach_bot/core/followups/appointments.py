"""Appointments set from the lead page, their reminders, and how they end.

A counsellor sets a date, a time, a place (one of the team's places, or typed) and who the
young person will meet. The young person gets it on their own channel at once (within the
sending rules), a reminder the day before at ``OUTREACH_APPOINTMENT_REMINDER_HOUR`` and one
:data:`SOON` before, each with a "je ne peux pas venir" button. Saying so (button or typed)
cancels the reminders and tells the counsellor at once. The counsellor marks "venu" or
"absent"; absent sends one kind message the next open morning offering another time.
Every message is a scheduled message (:mod:`outreach_bot.core.schedule`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content
from outreach_bot.content.languages import wider
from outreach_bot.core.delivery.rules import SendingRules, answers_recent_message
from outreach_bot.core.delivery.whatsapp import CHANNEL as WHATSAPP
from outreach_bot.core.delivery.whatsapp import Template, template_for, window_open
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.leads.queue import visible_lead
from outreach_bot.core.schedule import cancel_pending, schedule
from outreach_bot.core.staff.accounts import Account
from outreach_bot.core.staff.forms import spend_form_key
from outreach_bot.domain.campaigns import parse_held_on
from outreach_bot.domain.errors import ConflictError, InvalidInputError, NotFoundError
from outreach_bot.domain.leads import CLOSED_STATUSES, LeadStatus, can_move
from outreach_bot.domain.places import team_today
from outreach_bot.storage.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    Lead,
    LeadEvent,
    LocalPlace,
)

logger = logging.getLogger(__name__)

SOON: Final = timedelta(hours=2)
"""The second reminder comes this long before the appointment."""
LAST_CALL: Final = timedelta(minutes=15)
"""The least notice a message gives: a reminder held by the quiet hours is dropped rather than
sent this close to the time, and an announcement they would hold until then is not planned."""
#: Scheduled-message kinds of this module (the figures and the cancellations use them).
CONFIRM: Final = "appointment"
REMINDER: Final = "appointment_reminder"
MISSED: Final = "appointment_missed"
KINDS: Final = frozenset({CONFIRM, REMINDER, MISSED})
CANNOT_COME: Final = "/cannot_come"
"""The button payload of "je ne peux pas venir"."""
NEW_SLOT: Final = "/new_slot"
"""The button payload of "oui, un autre rendez-vous" after an absence."""
PLACE_MAX: Final = 200
WHO_MAX: Final = 120
_WINDOW_NOTICE: Final = (
    "Rendez-vous enregistré, mais aucun message ne partira : son dernier message WhatsApp "
    "aura plus de 24 h quand l'annonce partirait, et WhatsApp n'accepte alors qu'un modèle "
    "approuvé par Meta ; aucun n'est configuré pour les rendez-vous "
    "(OUTREACH_WHATSAPP_TEMPLATES, « appointment=… » ou « *=… »). Appelle cette personne. "
    "Si elle écrit d'ici là, la fenêtre de 24 h se rouvre et l'annonce part."
)
_TIME_RE: Final = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})?\s*$")
#: Message keys this module sends, with their placeholders (checked at start-up).
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {
    "appointment_set": frozenset({"when", "where", "who"}),
    "appointment_reminder": frozenset({"when", "where", "who"}),
    "appointment_missed": frozenset(),
    "appointment_when": frozenset({"day", "date", "hour"}),
    "button_cannot_come": frozenset(),
    "button_new_slot": frozenset(),
    "button_no_thanks": frozenset(),
    "place_weekdays": frozenset(),
}


@dataclass(frozen=True, slots=True)
class AppointmentForm:
    """An appointment as typed on the lead page, before checking."""

    day: str
    time: str
    place_id: str = ""
    place: str = ""
    with_whom: str = ""


@dataclass(frozen=True, slots=True)
class AppointmentSet:
    """What setting an appointment did, for the counsellor who set it."""

    id: int
    told_at: datetime | None
    """When the young person's announcement leaves (the first open moment), or None: no
    message will reach them, and :attr:`notice` says why."""
    notice: str
    """What the lead page tells the counsellor, in French."""


@dataclass(frozen=True, slots=True)
class AppointmentView:
    """An appointment as the lead page lists it."""

    id: int
    starts_at: datetime
    place: str
    with_whom: str
    status: AppointmentStatus
    past: bool


def parse_time(raw: str) -> time:
    """``14:30``, ``14h30``, ``14h`` or ``9:05``.

    Raises:
        InvalidInputError: anything else, or an hour that does not exist.
    """
    match = _TIME_RE.match(raw)
    if match is None:
        raise InvalidInputError("Heure invalide : écris-la comme 14:30.")
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:  # noqa: PLR2004 - the clock's own limits
        raise InvalidInputError("Heure invalide : écris-la comme 14:30.")
    return time(hour, minute)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Appointments:
    """The appointment use cases; one per process, built with the services."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Content,
        rules: SendingRules,
        events: EventBus,
        *,
        reminder_hour: time = time(17, 0),
        whatsapp_templates: Mapping[str, Template] | None = None,
    ) -> None:
        content.require_messages(MESSAGE_KEYS)
        self._templates = dict(whatsapp_templates or {})
        self._sessions = sessions
        self._content = content
        self._rules = rules
        self._events = events
        self._reminder_hour = reminder_hour

    @property
    def zone(self) -> ZoneInfo:
        """The time zone appointments are typed and told in."""
        return self._rules.zone

    # -- the counsellor's side ---------------------------------------------------------------

    async def set_appointment(
        self,
        account: Account,
        lead_id: int,
        form: AppointmentForm,
        *,
        form_key: str = "",
        now: datetime | None = None,
    ) -> AppointmentSet:
        """Record an appointment and schedule its announcement and reminders.

        When the sending rules hold every message until less than :data:`LAST_CALL` before
        the start (fixed on Saturday evening for Monday 09:00), nothing is planned for the
        young person: the counsellor is told so, and why, and the lead's history keeps it.

        Raises:
            InvalidInputError: a field is wrong (French message saying which).
            ConflictError: the person sent STOP, the lead is closed, or a double submit.
            NotFoundError: no such lead in the account's sectors, or no such place.
        """
        now = now or datetime.now(UTC)
        day = parse_held_on(form.day)
        if day is None:
            raise InvalidInputError("Donne la date du rendez-vous.")
        starts_at = datetime.combine(day, parse_time(form.time), tzinfo=self.zone)
        if starts_at <= now:
            raise InvalidInputError("Ce moment est déjà passé : choisis une date à venir.")
        with_whom = " ".join(form.with_whom.split())
        if not with_whom or len(with_whom) > WHO_MAX:
            raise InvalidInputError(f"Dis avec qui (au plus {WHO_MAX} caractères).")
        async with self._sessions.begin() as session:
            place, place_id = await self._place(session, form)
            lead = await visible_lead(session, account, lead_id)
            if lead.status in CLOSED_STATUSES:
                raise ConflictError("ce contact est clos : rouvre-le d'abord")
            conversation = (
                await session.get(Conversation, lead.conversation_id, with_for_update=True)
                if lead.conversation_id
                else None
            )
            if conversation is not None and conversation.opted_out:
                raise ConflictError("cette personne a envoyé STOP : appelle-la plutôt")
            if not await spend_form_key(session, form_key, account.id):
                raise ConflictError("ce rendez-vous est déjà enregistré")
            appointment = Appointment(
                lead_id=lead.id,
                conversation_id=conversation.id if conversation else None,
                starts_at=starts_at.astimezone(UTC),
                place_id=place_id,
                place=place,
                with_whom=with_whom,
                status=AppointmentStatus.PLANNED,
                created_by=account.id,
                created_at=now,
                status_changed_at=now,
            )
            session.add(appointment)
            await session.flush()
            told_at = (
                await self._schedule_messages(session, appointment, conversation, now)
                if conversation is not None
                else None
            )
            refused = (
                told_at is not None
                and conversation is not None
                and self._whatsapp_refuses(conversation, CONFIRM, told_at)
            )
            if refused:
                # Scheduled all the same: a message from the young person before then reopens
                # the window, and the scheduler's guard lets it go.
                told_at = None
            notice = (
                _WINDOW_NOTICE
                if refused
                else self._notice(starts_at, told_at, now, in_conversation=conversation)
            )
            if can_move(LeadStatus(lead.status), LeadStatus.APPOINTMENT):
                lead.status = LeadStatus.APPOINTMENT
                lead.status_changed_at = now
                session.add(
                    LeadEvent(
                        lead_id=lead.id,
                        user_id=account.id,
                        kind="status",
                        status=LeadStatus.APPOINTMENT,
                        at=now,
                    )
                )
            lead.updated_at = now
            session.add(
                LeadEvent(
                    lead_id=lead.id,
                    user_id=account.id,
                    kind="appointment",
                    note=notice if told_at is None else None,
                    at=now,
                )
            )
            appointment_id = appointment.id
            event = TeamEvent("lead_changed", lead.conversation_id, lead.id, lead.sector_id)
        logger.info("appointment %s set for lead %s by %s", appointment_id, lead_id, account.id)
        await self._events.publish(event)
        return AppointmentSet(appointment_id, told_at, notice)

    def _notice(
        self,
        starts_at: datetime,
        told_at: datetime | None,
        now: datetime,
        *,
        in_conversation: Conversation | None,
    ) -> str:
        """What the counsellor reads once the appointment is saved: when the young person is
        told, or that they will not be, why, and what to do instead."""
        if told_at is not None and told_at <= now:
            return "Rendez-vous enregistré : la personne est prévenue."
        if told_at is not None:
            return (
                "Rendez-vous enregistré : la personne sera prévenue "
                f"{self._staff_when(told_at)} ({self._quiet_words()})."
            )
        if in_conversation is None:
            return (
                "Rendez-vous enregistré, mais aucun message ne partira : cette personne n'a "
                "plus de conversation avec le bot. Appelle-la pour la prévenir."
            )
        first = self._rules.next_open(now)
        hint = ""
        if answers_recent_message(in_conversation.last_message_at, now):
            hint = (
                " Elle t'a écrit il y a moins de 30 minutes : ta réponse dans la conversation "
                "part tout de suite."
            )
        return (
            "Rendez-vous enregistré, mais aucun message ne partira : rien ne part avant "
            f"{self._staff_when(first)} ({self._quiet_words()}), "
            f"trop tard pour un rendez-vous à {starts_at.astimezone(self.zone):%H:%M}. "
            f"Appelle la personne pour la prévenir, ou choisis une heure plus tardive.{hint}"
        )

    def _whatsapp_refuses(self, conversation: Conversation, kind: str, at: datetime) -> bool:
        """Whether WhatsApp would refuse a message of ``kind`` to this conversation at ``at``:
        past the 24-hour window, with no approved template for it."""
        return (
            conversation.channel == WHATSAPP
            and not window_open(conversation.last_message_at, at)
            and template_for(self._templates, kind) is None
        )

    def _staff_when(self, moment: datetime) -> str:
        """ "lun. 07/01 à 09:00": the back office writes hours as 09:00."""
        local = moment.astimezone(self.zone)
        weekdays = self._content.message("place_weekdays", "fr").split(",")
        return f"{weekdays[local.weekday()].strip()} {local:%d/%m} à {local:%H:%M}"

    def _quiet_words(self) -> str:
        """The sending rules, as the lead page's form says them."""
        rules = self._rules
        return (
            f"heures calmes de {rules.quiet_start:%H:%M} à {rules.quiet_end:%H:%M}, "
            "et aucun envoi les jours fermés"
        )

    async def _place(self, session: AsyncSession, form: AppointmentForm) -> tuple[str, int | None]:
        """Where, as the young person will read it: a team place, or what was typed."""
        if form.place_id.strip():
            try:
                place_id = int(form.place_id)
            except ValueError as error:
                raise InvalidInputError("Lieu invalide.") from error
            row = await session.get(LocalPlace, place_id)
            if row is None:
                raise NotFoundError(f"place {place_id}")
            parts = [row.name, row.address, row.commune_name]
            return ", ".join(part for part in parts if part)[:PLACE_MAX], row.id
        typed = " ".join(form.place.split())
        if not typed or len(typed) > PLACE_MAX:
            raise InvalidInputError(
                f"Choisis un lieu ou écris-le (au plus {PLACE_MAX} caractères)."
            )
        return typed, None

    def when_text(self, starts_at: datetime, locale: str) -> str:
        """ "mardi 14/01 à 14h30", in the young person's language."""
        local = starts_at.astimezone(self.zone)
        weekdays = self._content.message("place_weekdays", locale).split(",")
        return self._content.message(
            "appointment_when",
            locale,
            day=weekdays[local.weekday()].strip(),
            date=f"{local:%d/%m}",
            hour=f"{local:%H}h{local:%M}" if "fr" in wider(locale) else f"{local:%H:%M}",
        )

    def _reminder_day(self, starts_at: datetime) -> date:
        """The day of the "day before" reminder: the last open day before the appointment."""
        day = starts_at.astimezone(self.zone).date() - timedelta(days=1)
        while not self._rules.is_open_day(day):
            day -= timedelta(days=1)
        return day

    def _leaves_in_time(self, due_at: datetime, expires_at: datetime, now: datetime) -> bool:
        """Whether a message due at ``due_at`` can leave, by the rules, before ``expires_at``."""
        return self._rules.next_open(max(due_at, now)) < expires_at

    async def _schedule_messages(
        self,
        session: AsyncSession,
        appointment: Appointment,
        conversation: Conversation,
        now: datetime,
    ) -> datetime | None:
        """Plan the announcement and the reminders that can still be of use; returns when the
        announcement leaves, or None when the rules hold it too close to the start."""
        starts_at = _aware(appointment.starts_at)
        values = {
            "when": self.when_text(starts_at, conversation.locale),
            "where": appointment.place,
            "who": appointment.with_whom,
        }
        buttons = [("button_cannot_come", CANNOT_COME)]
        common = {"lead_id": appointment.lead_id, "values": values, "buttons": buttons, "now": now}
        first = self._rules.next_open(now)
        if first > now and first > starts_at - LAST_CALL:
            # Held until the very hour (Saturday evening for Monday 09:00): a "C'est noté" at
            # 09:00 for 09:10 helps no one; the counsellor is told to call instead.
            return None
        soon = starts_at - SOON
        # Told at the first open moment. The reminder 2 hours before follows only if that
        # moment comes before it: fixed at 21:00 for 10:00 the next day, or for within 2 hours,
        # the young person is told once ("C'est noté"), never reminded of what they were not told.
        remind_soon = first < soon and self._leaves_in_time(soon, starts_at - LAST_CALL, now)
        told_until = soon if remind_soon else starts_at
        await schedule(
            session,
            conversation.id,
            kind=CONFIRM,
            due_at=now,
            message="appointment_set",
            expires_at=told_until,
            **common,  # type: ignore[arg-type]
        )
        day_before = datetime.combine(
            self._reminder_day(starts_at), self._reminder_hour, tzinfo=self.zone
        )
        if now < day_before < soon and self._leaves_in_time(day_before, soon, now):
            await schedule(
                session,
                conversation.id,
                kind=REMINDER,
                due_at=day_before,
                message="appointment_reminder",
                expires_at=soon,
                **common,  # type: ignore[arg-type]
            )
        if remind_soon:
            await schedule(
                session,
                conversation.id,
                kind=REMINDER,
                due_at=soon,
                message="appointment_reminder",
                expires_at=starts_at - LAST_CALL,
                **common,  # type: ignore[arg-type]
            )
        return first

    async def record_outcome(
        self,
        account: Account,
        lead_id: int,
        appointment_id: int,
        *,
        came: bool,
        now: datetime | None = None,
    ) -> None:
        """ "venu" or "absent"; absent schedules one kind message for the next open morning.

        Raises:
            NotFoundError: no such appointment on this lead in the account's sectors.
            ConflictError: the appointment has not started yet, or was cancelled.
        """
        now = now or datetime.now(UTC)
        async with self._sessions.begin() as session:
            lead = await visible_lead(session, account, lead_id)
            appointment = await session.get(Appointment, appointment_id, with_for_update=True)
            if appointment is None or appointment.lead_id != lead.id:
                raise NotFoundError(f"appointment {appointment_id}")
            if appointment.status == AppointmentStatus.CANCELLED:
                raise ConflictError("ce rendez-vous a été annulé par la personne")
            if _aware(appointment.starts_at) > now:
                raise ConflictError("ce rendez-vous n'a pas encore eu lieu")
            status = AppointmentStatus.KEPT if came else AppointmentStatus.MISSED
            if appointment.status == status:
                return
            appointment.status = status
            appointment.status_changed_at = now
            session.add(
                LeadEvent(
                    lead_id=lead.id,
                    user_id=account.id,
                    kind="appointment_kept" if came else "appointment_missed",
                    at=now,
                )
            )
            if appointment.conversation_id is not None:
                await cancel_pending(
                    session,
                    appointment.conversation_id,
                    reason="outcome recorded",
                    kinds={MISSED},
                    lead_id=lead.id,
                    now=now,
                )
                if not came:
                    await self._schedule_missed(session, appointment, now)
        logger.info("appointment %s marked %s by %s", appointment_id, status, account.id)

    async def _schedule_missed(
        self, session: AsyncSession, appointment: Appointment, now: datetime
    ) -> None:
        """One message the next open morning: no blame, another time offered."""
        local = now.astimezone(self.zone)
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.zone)
        await schedule(
            session,
            appointment.conversation_id or 0,
            kind=MISSED,
            due_at=self._rules.next_open(tomorrow),
            message="appointment_missed",
            buttons=[("button_new_slot", NEW_SLOT), ("button_no_thanks", "/deny")],
            lead_id=appointment.lead_id,
            now=now,
        )

    async def appointments_of(self, account: Account, lead_id: int) -> list[AppointmentView]:
        """A lead's appointments, latest first."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            await visible_lead(session, account, lead_id)
            rows = await session.scalars(
                select(Appointment)
                .where(Appointment.lead_id == lead_id)
                .order_by(Appointment.starts_at.desc())
            )
            return [
                AppointmentView(
                    id=row.id,
                    starts_at=_aware(row.starts_at),
                    place=row.place,
                    with_whom=row.with_whom,
                    status=AppointmentStatus(row.status),
                    past=_aware(row.starts_at) <= now,
                )
                for row in rows
            ]


# -- the young person's side, inside their message's transaction --------------------------------


async def next_appointment(
    session: AsyncSession, conversation_id: int, now: datetime
) -> Appointment | None:
    """The conversation's next planned appointment (or one that began within the hour)."""
    return await session.scalar(
        select(Appointment)
        .where(
            Appointment.conversation_id == conversation_id,
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at > now - timedelta(hours=1),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )


async def cannot_come(
    session: AsyncSession, conversation_id: int, *, now: datetime, wish: str | None = None
) -> TeamEvent | None:
    """The young person cannot come: cancel the appointment and its reminders, tell the team.

    ``wish`` is when they would rather come, if they said (kept as a note for the counsellor).
    Returns the event to publish after the commit, or None when no appointment was planned.
    """
    appointment = await next_appointment(session, conversation_id, now)
    if appointment is None:
        return None
    appointment.status = AppointmentStatus.CANCELLED
    appointment.status_changed_at = now
    await cancel_pending(
        session,
        conversation_id,
        reason="cannot come",
        kinds={CONFIRM, REMINDER},
        lead_id=appointment.lead_id,
        now=now,
    )
    lead = await session.get(Lead, appointment.lead_id)
    if lead is None:
        return None
    lead.next_action_on = team_today(now)
    lead.updated_at = now
    session.add(LeadEvent(lead_id=lead.id, kind="cannot_come", note=wish, at=now))
    logger.info("appointment %s cancelled by the young person", appointment.id)
    return TeamEvent("cannot_come", conversation_id, lead.id, lead.sector_id, urgent=lead.urgent)


async def wants_new_slot(
    session: AsyncSession, conversation_id: int, *, now: datetime, wish: str | None = None
) -> TeamEvent | None:
    """After an absence, the young person would like another appointment: tell the team."""
    lead = await session.scalar(
        select(Lead)
        .where(Lead.conversation_id == conversation_id, Lead.status.not_in(CLOSED_STATUSES))
        .order_by(Lead.id.desc())
        .limit(1)
    )
    if lead is None:
        return None
    lead.next_action_on = team_today(now)
    lead.updated_at = now
    session.add(LeadEvent(lead_id=lead.id, kind="new_slot_wanted", note=wish, at=now))
    return TeamEvent("new_slot", conversation_id, lead.id, lead.sector_id, urgent=lead.urgent)
