"""The network's key figures, as funders count them, and the funnel of every campaign and sector.

Every figure counts what *happened* in the period: a scan, a conversation started, a consent
given, a lead created, a lead reaching "contacted" or "mobilised" for the first time. So the
total line of every funnel table equals the key figures, whatever the period.

Erasing a conversation (the young person's right, or the retention purge) must not make last
year's figures shrink: :func:`record_erasure` turns what is about to be erased into anonymous
counts (:class:`~outreach_bot.storage.models.FigureTally`) that the figures add back.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.dates import parse_iso_day
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.leads import MOBILISED_STATUSES, LeadStatus
from outreach_bot.domain.spreadsheet import csv_document
from outreach_bot.storage.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    CampaignScan,
    Consent,
    Conversation,
    FigureTally,
    Lead,
    LeadEvent,
    Message,
    ScheduledMessage,
    Sector,
)

logger = logging.getLogger(__name__)


class Metric(StrEnum):
    """One thing the figures count."""

    SCANS = "scans"
    IDENTIFIED = "identified"
    CONSENTS = "consents"
    LEADS = "leads"
    URGENT = "urgent"
    CONTACTED = "contacted"
    MOBILISED = "mobilised"


FUNNEL: Final = (
    Metric.SCANS,
    Metric.IDENTIFIED,
    Metric.CONSENTS,
    Metric.LEADS,
    Metric.CONTACTED,
    Metric.MOBILISED,
)
"""The steps of a funnel, in order: scans → conversations → consents → leads → contacted →
mobilised."""

CONTACTED_STATUSES: Final = frozenset(
    {LeadStatus.CONTACTED, LeadStatus.APPOINTMENT, LeadStatus.MOBILISED}
)
"""A lead that reached any of these has been contacted, even if it later went back or closed."""

MAX_WEEKS: Final = 260
"""Five years of weekly points; an open-ended period shows the most recent ones."""
MAX_MONTHS: Final = 60
"""Five years of monthly points, likewise."""

METRIC_LABELS: Final = {
    Metric.SCANS: "Scans",
    Metric.IDENTIFIED: "Conversations",
    Metric.CONSENTS: "Consentements",
    Metric.LEADS: "Demandes",
    Metric.URGENT: "Urgences",
    Metric.CONTACTED: "Contactés",
    Metric.MOBILISED: "Mobilisés",
}
"""How the dashboard and the CSV name each figure, in the team's language."""

NO_CAMPAIGN: Final = "Sans campagne"
NO_SECTOR: Final = "Sans secteur"


@dataclass(frozen=True, slots=True)
class Period:
    """Days from ``first`` to ``last``, both included, in UTC; None leaves that end open.

    ``swapped`` says the two dates were given the wrong way round and put back in order.
    """

    first: date | None = None
    last: date | None = None
    swapped: bool = field(default=False, compare=False)

    @classmethod
    def parse(
        cls, raw_first: str | None, raw_last: str | None, *, reorder: bool = False
    ) -> Period:
        """A period from two ISO dates as typed in a form or a query string.

        With ``reorder``, an end before the start is read as the same days typed the wrong
        way round (the back office's date fields make that an easy slip) and the period says
        so in ``swapped``; without it (the JSON API), that is an error.

        Raises:
            InvalidInputError: a date that is not ``YYYY-MM-DD``, a year outside 2000-2100
                (``to=9999-12-31`` would overflow at the end of the period), or (without
                ``reorder``) an end before the start.
        """
        try:
            first = parse_iso_day(raw_first)
            last = parse_iso_day(raw_last)
        except InvalidInputError as error:
            raise InvalidInputError(f"from and to: {error}") from error
        if first and last and last < first:
            if not reorder:
                raise InvalidInputError("the end of the period is before its start")
            return cls(last, first, swapped=True)
        return cls(first, last)

    @property
    def since(self) -> datetime | None:
        """Inclusive lower bound as a UTC instant."""
        return _midnight(self.first) if self.first else None

    @property
    def until(self) -> datetime | None:
        """Exclusive upper bound as a UTC instant (midnight after ``last``)."""
        return _midnight(self.last + timedelta(days=1)) if self.last else None

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready view."""
        return {
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
        }


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """The headline numbers.

    identified = distinct young people who started a conversation (one per channel: we keep
    nothing that could link a person's SMS and Telegram conversations); mobilised = leads closed
    on a mobilising outcome (CEJ, training, job, the Mission Locale's support: see
    :data:`~outreach_bot.domain.leads.MOBILISING_OUTCOMES`); interventions = campaigns (events)
    held, by date.
    """

    identified: int
    consents: int
    leads: int
    urgent: int
    mobilised: int
    interventions: int
    scans: int = 0
    contacted: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """One line of a funnel table: a campaign, a sector, or the total."""

    code: str
    name: str
    counts: dict[Metric, int]
    interventions: int = 0
    held_on: date | None = None
    place: str = ""
    active: bool | None = None

    def count(self, metric: Metric | str) -> int:
        """The count of one metric (0 when nothing happened)."""
        return self.counts.get(Metric(metric), 0)

    def rate(self, metric: Metric | str, of: Metric | str) -> int | None:
        """``metric`` as a whole percentage of ``of``; None when ``of`` is zero."""
        base = self.count(of)
        return round(100 * self.count(metric) / base) if base else None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "code": self.code,
            "name": self.name,
            "held_on": self.held_on.isoformat() if self.held_on else None,
            "place": self.place,
            "active": self.active,
            "interventions": self.interventions,
            **{metric.value: self.count(metric) for metric in Metric},
        }


@dataclass(frozen=True, slots=True)
class WeekRow:
    """What happened in one week, starting on Monday."""

    start: date
    counts: dict[Metric, int]
    interventions: int = 0

    @property
    def label(self) -> str:
        """ISO week label, like 2026-W05."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def count(self, metric: Metric | str) -> int:
        """The count of one metric (0 when nothing happened)."""
        return self.counts.get(Metric(metric), 0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "week": self.label,
            "start": self.start.isoformat(),
            "interventions": self.interventions,
            **{metric.value: self.count(metric) for metric in Metric},
        }


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything the dashboard, the CSV export and ``GET /api/stats`` show, computed once."""

    period: Period
    key: KeyFigures
    total: FunnelRow
    campaigns: list[FunnelRow] = field(default_factory=list)
    sectors: list[FunnelRow] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)
    months: list[WeekRow] = field(default_factory=list)
    """The same series by calendar month (``start`` is the 1st), for periods too long to read
    week by week; not in the API, whose contract is weekly."""
    touch: dict[str, int] = field(default_factory=dict)
    """Staying in touch (:data:`TOUCH_LABELS`): appointments, visit alerts, re-engagements."""

    def campaign(self, code: str) -> FunnelRow | None:
        """The funnel row of one campaign, if anything happened for it in the period."""
        return next((row for row in self.campaigns if row.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view: the key figures at the top level, then the details."""
        return {
            **self.key.as_dict(),
            "period": self.period.as_dict(),
            "funnel": [metric.value for metric in FUNNEL],
            "campaigns": [row.as_dict() for row in self.campaigns],
            "sectors": [row.as_dict() for row in self.sectors],
            "weeks": [row.as_dict() for row in self.weeks],
            "staying_in_touch": {key: self.touch.get(key, 0) for key in TOUCH_LABELS},
        }


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Something counted: what, which day, for which campaign and sector, how many times."""

    metric: Metric
    day: date
    campaign_id: int | None
    sector_id: int | None
    count: int = 1


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> date:
    return _aware(moment).astimezone(UTC).date()


def _within(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    moment = _aware(moment)
    return (since is None or moment >= since) and (until is None or moment < until)


def _between(query: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _latest_lead_sector() -> Any:
    """The sector of a conversation's latest lead, as a correlated scalar subquery."""
    return (
        select(Lead.sector_id)
        .where(Lead.conversation_id == Conversation.id)
        .order_by(Lead.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def _campaign_sectors(session: AsyncSession) -> dict[int, int | None]:
    rows = await session.execute(select(Campaign.id, Campaign.sector_id))
    return {campaign_id: sector_id for campaign_id, sector_id in rows}  # noqa: C416 - keeps the row types


async def _occurrences(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    conversation_id: int | None = None,
) -> list[Occurrence]:
    """Live occurrences in ``[since, until)``; only one conversation's when it is given.

    A conversation belongs to the sector of its latest lead, else to its campaign's sector; a
    lead belongs to its own sector, else to its campaign's.
    """
    campaign_sector = await _campaign_sectors(session)

    def sector(own: int | None, campaign_id: int | None) -> int | None:
        if own is not None:
            return own
        return campaign_sector.get(campaign_id) if campaign_id is not None else None

    found: list[Occurrence] = []
    lead_sector = _latest_lead_sector()
    conversations = _between(
        select(Conversation.created_at, Conversation.campaign_id, lead_sector),
        Conversation.created_at,
        since,
        until,
    )
    consents = _between(
        select(Consent.given_at, Conversation.campaign_id, lead_sector).outerjoin(
            Conversation, Consent.conversation_id == Conversation.id
        ),
        Consent.given_at,
        since,
        until,
    )
    leads = _between(
        select(Lead.created_at, Lead.campaign_id, Lead.sector_id, Lead.urgent),
        Lead.created_at,
        since,
        until,
    )
    if conversation_id is not None:
        conversations = conversations.where(Conversation.id == conversation_id)
        consents = consents.where(Consent.conversation_id == conversation_id)
        leads = leads.where(Lead.conversation_id == conversation_id)
    for at, campaign_id, own_sector in await session.execute(conversations):
        found.append(
            Occurrence(Metric.IDENTIFIED, _day(at), campaign_id, sector(own_sector, campaign_id))
        )
    for at, campaign_id, own_sector in await session.execute(consents):
        found.append(
            Occurrence(Metric.CONSENTS, _day(at), campaign_id, sector(own_sector, campaign_id))
        )
    for at, campaign_id, own_sector, urgent in await session.execute(leads):
        where = sector(own_sector, campaign_id)
        found.append(Occurrence(Metric.LEADS, _day(at), campaign_id, where))
        if urgent:
            found.append(Occurrence(Metric.URGENT, _day(at), campaign_id, where))
    for metric, reached in await _reached(session, conversation_id=conversation_id):
        lead_at, campaign_id, own_sector = reached
        if _within(lead_at, since, until):
            found.append(
                Occurrence(metric, _day(lead_at), campaign_id, sector(own_sector, campaign_id))
            )
    if conversation_id is None:
        scans = _between(
            select(CampaignScan.at, CampaignScan.campaign_id), CampaignScan.at, since, until
        )
        for at, campaign_id in await session.execute(scans):
            found.append(
                Occurrence(Metric.SCANS, _day(at), campaign_id, campaign_sector.get(campaign_id))
            )
    return found


async def _reached(
    session: AsyncSession, *, conversation_id: int | None
) -> list[tuple[Metric, tuple[datetime, int | None, int | None]]]:
    """When each lead first reached "contacted" and "mobilised", with its campaign and sector.

    The lead's history says when; a lead with no history (changed outside the back office)
    counts from its last status change.
    """
    wanted = {Metric.CONTACTED: CONTACTED_STATUSES, Metric.MOBILISED: MOBILISED_STATUSES}
    reach_statuses = [str(status) for status in CONTACTED_STATUSES]
    history = select(LeadEvent.lead_id, LeadEvent.status, LeadEvent.at).where(
        LeadEvent.status.in_(reach_statuses)
    )
    leads = select(
        Lead.id, Lead.status, Lead.status_changed_at, Lead.campaign_id, Lead.sector_id
    ).where(
        Lead.status.in_(reach_statuses)
        | Lead.id.in_(select(LeadEvent.lead_id).where(LeadEvent.status.in_(reach_statuses)))
    )
    if conversation_id is not None:
        leads = leads.where(Lead.conversation_id == conversation_id)
        history = history.where(
            LeadEvent.lead_id.in_(select(Lead.id).where(Lead.conversation_id == conversation_id))
        )
    events: defaultdict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for lead_id, status, at in await session.execute(history):
        events[lead_id].append((status or "", _aware(at)))
    result: list[tuple[Metric, tuple[datetime, int | None, int | None]]] = []
    for lead_id, status, changed_at, campaign_id, sector_id in await session.execute(leads):
        for metric, statuses in wanted.items():
            moments = [at for event_status, at in events[lead_id] if event_status in statuses]
            if status in statuses:
                moments.append(_aware(changed_at))
            if moments:
                result.append((metric, (min(moments), campaign_id, sector_id)))
    return result


async def _tallies(
    session: AsyncSession, *, since: datetime | None, until: datetime | None
) -> list[Occurrence]:
    query = select(
        FigureTally.metric,
        FigureTally.day,
        FigureTally.campaign_id,
        FigureTally.sector_id,
        FigureTally.count,
    )
    if since is not None:
        query = query.where(FigureTally.day >= since.date())
    if until is not None:
        query = query.where(FigureTally.day < until.date())
    return [
        Occurrence(Metric(metric), day, campaign_id, sector_id, count)
        for metric, day, campaign_id, sector_id, count in await session.execute(query)
    ]


async def _interventions(
    session: AsyncSession, *, since: datetime | None, until: datetime | None
) -> list[Campaign]:
    """Campaigns held in the period: those with a date in it (a poster with no date is not an
    event)."""
    query = select(Campaign).where(Campaign.held_on.is_not(None))
    if since is not None:
        query = query.where(Campaign.held_on >= since.date())
    if until is not None:
        query = query.where(Campaign.held_on < until.date())
    return list(await session.scalars(query))


async def key_figures(
    session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None
) -> KeyFigures:
    """Figures over ``[since, until)``; both open-ended when None."""
    occurrences = await _occurrences(session, since=since, until=until)
    occurrences += await _tallies(session, since=since, until=until)
    held = await _interventions(session, since=since, until=until)
    return _key(_sum(occurrences), len(held))


def _sum(occurrences: Iterable[Occurrence]) -> Counter[Metric]:
    totals: Counter[Metric] = Counter()
    for occurrence in occurrences:
        totals[occurrence.metric] += occurrence.count
    return totals


def _key(totals: Counter[Metric], interventions: int) -> KeyFigures:
    return KeyFigures(
        identified=totals[Metric.IDENTIFIED],
        consents=totals[Metric.CONSENTS],
        leads=totals[Metric.LEADS],
        urgent=totals[Metric.URGENT],
        mobilised=totals[Metric.MOBILISED],
        interventions=interventions,
        scans=totals[Metric.SCANS],
        contacted=totals[Metric.CONTACTED],
    )


async def compute_figures(
    sessions: async_sessionmaker[AsyncSession],
    period: Period,
    *,
    today: date | None = None,
    sector_ids: frozenset[int] | None = None,
) -> Figures:
    """Key figures, funnels per campaign and per sector, and weekly series over ``period``.

    ``sector_ids`` keeps only what those sectors count (an API token scoped to them); None
    counts everything.
    """
    today = today or datetime.now(UTC).date()
    since, until = period.since, period.until
    async with sessions() as session:
        occurrences = await _occurrences(session, since=since, until=until)
        occurrences += await _tallies(session, since=since, until=until)
        held = await _interventions(session, since=since, until=until)
        campaigns = {row.id: row for row in await session.scalars(select(Campaign))}
        sectors = list(await session.scalars(select(Sector).order_by(Sector.name)))
        touch = await staying_in_touch(session, since=since, until=until, sector_ids=sector_ids)
    if sector_ids is not None:
        occurrences = [row for row in occurrences if row.sector_id in sector_ids]
        held = [campaign for campaign in held if campaign.sector_id in sector_ids]
        sectors = [sector for sector in sectors if sector.id in sector_ids]
    totals = _sum(occurrences)
    total = FunnelRow("", "Total", dict(totals), interventions=len(held))
    return Figures(
        period=period,
        key=_key(totals, len(held)),
        total=total,
        campaigns=_campaign_rows(occurrences, held, campaigns),
        sectors=_sector_rows(occurrences, held, sectors),
        weeks=_week_rows(occurrences, held, period, today),
        months=_month_rows(occurrences, held, period, today),
        touch=touch,
    )


def _campaign_rows(
    occurrences: Sequence[Occurrence], held: Sequence[Campaign], campaigns: dict[int, Campaign]
) -> list[FunnelRow]:
    counts: defaultdict[int | None, Counter[Metric]] = defaultdict(Counter)
    for occurrence in occurrences:
        counts[occurrence.campaign_id][occurrence.metric] += occurrence.count
    held_ids = {campaign.id for campaign in held}
    rows: list[FunnelRow] = []
    for campaign_id in sorted(
        set(counts) | held_ids,
        key=lambda cid: (cid is None, _campaign_sort_key(campaigns.get(cid) if cid else None)),
    ):
        campaign = campaigns.get(campaign_id) if campaign_id is not None else None
        if campaign is None:
            rows.append(FunnelRow("", NO_CAMPAIGN, dict(counts[campaign_id])))
            continue
        rows.append(
            FunnelRow(
                campaign.code,
                campaign.name,
                dict(counts[campaign_id]),
                interventions=int(campaign_id in held_ids),
                held_on=campaign.held_on,
                place=campaign.place,
                active=campaign.active,
            )
        )
    return _merge_unattributed(rows)


def _merge_unattributed(rows: list[FunnelRow]) -> list[FunnelRow]:
    """Occurrences of deleted campaigns and of no campaign end up on one "no campaign" line."""
    named = [row for row in rows if row.code]
    loose = [row for row in rows if not row.code]
    if not loose:
        return named
    merged: Counter[Metric] = Counter()
    for row in loose:
        merged.update(row.counts)
    return [*named, FunnelRow("", NO_CAMPAIGN, dict(merged))]


def _campaign_sort_key(campaign: Campaign | None) -> tuple[int, str]:
    """Most recent events first; campaigns without a date after, by code."""
    if campaign is None:
        return (0, "")
    return (-(campaign.held_on.toordinal() if campaign.held_on else 0), campaign.code)


def _sector_rows(
    occurrences: Sequence[Occurrence], held: Sequence[Campaign], sectors: Sequence[Sector]
) -> list[FunnelRow]:
    counts: defaultdict[int | None, Counter[Metric]] = defaultdict(Counter)
    for occurrence in occurrences:
        counts[occurrence.sector_id][occurrence.metric] += occurrence.count
    events = Counter(campaign.sector_id for campaign in held)
    known = {sector.id for sector in sectors}
    rows = [
        FunnelRow(
            sector.code, sector.name, dict(counts[sector.id]), interventions=events[sector.id]
        )
        for sector in sectors
    ]
    loose: Counter[Metric] = Counter()
    loose_events = 0
    for sector_id, sector_counts in counts.items():
        if sector_id not in known:
            loose.update(sector_counts)
    for sector_id, number in events.items():
        if sector_id not in known:
            loose_events += number
    if loose or loose_events:
        rows.append(FunnelRow("", NO_SECTOR, dict(loose), interventions=loose_events))
    return rows


def _week_rows(
    occurrences: Sequence[Occurrence], held: Sequence[Campaign], period: Period, today: date
) -> list[WeekRow]:
    counts: defaultdict[date, Counter[Metric]] = defaultdict(Counter)
    for occurrence in occurrences:
        counts[week_start(occurrence.day)][occurrence.metric] += occurrence.count
    events = Counter(week_start(campaign.held_on) for campaign in held if campaign.held_on)
    first = period.first or (min(counts) if counts else today)
    last = period.last or max(today, max(counts) if counts else today)
    start, end = week_start(first), week_start(last)
    weeks = [start + timedelta(weeks=index) for index in range((end - start).days // 7 + 1)]
    return [
        WeekRow(monday, dict(counts[monday]), interventions=events[monday])
        for monday in weeks[-MAX_WEEKS:]
    ]


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def _month_rows(
    occurrences: Sequence[Occurrence], held: Sequence[Campaign], period: Period, today: date
) -> list[WeekRow]:
    counts: defaultdict[date, Counter[Metric]] = defaultdict(Counter)
    for occurrence in occurrences:
        counts[month_start(occurrence.day)][occurrence.metric] += occurrence.count
    events = Counter(month_start(campaign.held_on) for campaign in held if campaign.held_on)
    first = month_start(period.first or (min(counts) if counts else today))
    last = month_start(period.last or max(today, max(counts) if counts else today))
    months: list[date] = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=31)).replace(day=1)
    return [
        WeekRow(first_day, dict(counts[first_day]), interventions=events[first_day])
        for first_day in months[-MAX_MONTHS:]
    ]


TOUCH_LABELS: Final = {
    "appointments_set": "Rendez-vous fixés",
    "appointments_kept": "Rendez-vous honorés",
    "appointments_missed": "Rendez-vous manqués",
    "appointments_cancelled": "Rendez-vous annulés par le jeune",
    "visit_alerts_sent": "Alertes de passage envoyées",
    "visit_alert_conversations": "Conversations lancées par une alerte",
    "reengagements_sent": "Relances envoyées",
    "reengagements_answered": "Relances suivies d'une réponse",
}
"""What staying in touch counts, in the team's language (the dashboard, the CSV, the API)."""
ANSWER_WINDOW: Final = timedelta(days=14)
"""A re-engagement or a visit alert counts as answered when the young person writes within this."""


async def staying_in_touch(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    sector_ids: frozenset[int] | None = None,
) -> dict[str, int]:
    """Appointments set, kept, missed and cancelled; visit alerts sent and the conversations
    they started; re-engagements sent and answered, over ``[since, until)`` (counts only)."""
    counts: Counter[str] = Counter()

    def in_sectors(query: Any) -> Any:
        return query.where(Lead.sector_id.in_(sector_ids)) if sector_ids is not None else query

    set_query = _between(
        select(func.count()).select_from(Appointment).join(Lead, Lead.id == Appointment.lead_id),
        Appointment.created_at,
        since,
        until,
    )
    counts["appointments_set"] = int(await session.scalar(in_sectors(set_query)) or 0)
    ended = _between(
        select(Appointment.status, func.count())
        .join(Lead, Lead.id == Appointment.lead_id)
        .where(Appointment.status != AppointmentStatus.PLANNED)
        .group_by(Appointment.status),
        Appointment.status_changed_at,
        since,
        until,
    )
    for status, number in await session.execute(in_sectors(ended)):
        counts[f"appointments_{status}"] = int(number)
    for kind, sent_key, answered_key in (
        ("reengage", "reengagements_sent", "reengagements_answered"),
        ("visit_alert", "visit_alerts_sent", "visit_alert_conversations"),
    ):
        first_answer = (
            select(func.min(Message.created_at))
            .where(
                Message.conversation_id == ScheduledMessage.conversation_id,
                Message.direction == "in",
                Message.created_at > ScheduledMessage.done_at,
            )
            .scalar_subquery()
        )
        query = _between(
            select(ScheduledMessage.done_at, first_answer)
            .outerjoin(Lead, Lead.id == ScheduledMessage.lead_id)
            .where(ScheduledMessage.kind == kind, ScheduledMessage.status == "sent"),
            ScheduledMessage.done_at,
            since,
            until,
        )
        for done_at, answer_at in await session.execute(in_sectors(query)):
            counts[sent_key] += 1
            if answer_at is not None and _aware(answer_at) - _aware(done_at) <= ANSWER_WINDOW:
                counts[answered_key] += 1
    return {key: counts[key] for key in TOUCH_LABELS}


CSV_SECTIONS: Final = {
    "total": "Total",
    "campaign": "Campagne",
    "sector": "Secteur",
    "week": "Semaine",
    "touch": "Suivi",
}
CSV_COLUMNS: Final = (
    "Section",
    "Code",
    "Nom",
    "Date",
    "Lieu",
    *(METRIC_LABELS[metric] for metric in FUNNEL),
    METRIC_LABELS[Metric.URGENT],
    "Interventions",
    "Nombre",
)
"""French headers: the file is opened by the team and its funders in French spreadsheets."""


def _french_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def figures_csv(figures: Figures) -> str:
    """The aggregated figures as a CSV file for French spreadsheets (LibreOffice, Excel).

    Counts only, never a name, a phone number or a message. French conventions, so that it
    opens right with a double click: a byte-order mark (Excel otherwise reads UTF-8 as
    Windows-1252 and mangles the accents), ``;`` between cells (``,`` is the decimal mark),
    French headers and day-first dates. Every figure is a whole count: no decimal mark to
    convert. Sections (Total, Campagne, Secteur, Semaine, Suivi) share the columns, so a
    spreadsheet can filter on the first one; a Suivi row's count is in the last column.
    """
    rows: list[list[object]] = []

    def add(section: str, row: FunnelRow) -> None:
        rows.append(
            [
                CSV_SECTIONS[section],
                row.code,
                row.name,  # typed by staff: csv_document defuses a formula
                _french_date(row.held_on),
                row.place,
                *(row.count(metric) for metric in FUNNEL),
                row.count(Metric.URGENT),
                row.interventions,
                "",
            ]
        )

    period = figures.period
    since = f"du {_french_date(period.first)}" if period.first else "depuis le début"
    until = f"au {_french_date(period.last)}" if period.last else "à aujourd’hui"
    add("total", replace(figures.total, name=f"{since} {until}"))
    for row in figures.campaigns:
        add("campaign", row)
    for row in figures.sectors:
        add("sector", row)
    for week in figures.weeks:
        add(
            "week",
            FunnelRow(
                week.label,
                f"semaine du {_french_date(week.start)}",
                week.counts,
                interventions=week.interventions,
                held_on=week.start,
            ),
        )
    # Staying in touch: one row per figure, its count in the last column ("Nombre").
    blank = [""] * (len(CSV_COLUMNS) - 4)
    for key, label in TOUCH_LABELS.items():
        rows.append([CSV_SECTIONS["touch"], key, label, *blank, figures.touch.get(key, 0)])
    return csv_document(CSV_COLUMNS, rows)


async def record_erasure(session: AsyncSession, conversation_id: int) -> None:
    """Keep anonymous counts of a conversation that is about to be erased.

    Call it in the erasing transaction, before the rows go: the figures then stay the same
    after the erasure, and nothing that could point to the person is kept.
    """
    occurrences = await _occurrences(
        session, since=None, until=None, conversation_id=conversation_id
    )
    grouped: Counter[tuple[Metric, date, int | None, int | None]] = Counter()
    for occurrence in occurrences:
        key = (occurrence.metric, occurrence.day, occurrence.campaign_id, occurrence.sector_id)
        grouped[key] += occurrence.count
    for (metric, day, campaign_id, sector_id), count in grouped.items():
        await _add_tally(
            session,
            metric=metric,
            day=day,
            campaign_id=campaign_id,
            sector_id=sector_id,
            count=count,
        )
    logger.info("conversation %s tallied before erasure", conversation_id)


async def _add_tally(
    session: AsyncSession,
    *,
    metric: Metric,
    day: date,
    campaign_id: int | None,
    sector_id: int | None,
    count: int,
) -> None:
    query = select(FigureTally).where(
        FigureTally.metric == metric,
        FigureTally.day == day,
        FigureTally.campaign_id.is_(None)
        if campaign_id is None
        else FigureTally.campaign_id == campaign_id,
        FigureTally.sector_id.is_(None)
        if sector_id is None
        else FigureTally.sector_id == sector_id,
    )
    row = (await session.scalars(query.limit(1).with_for_update())).first()
    if row is not None:
        row.count += count
        return
    try:
        async with session.begin_nested():
            session.add(
                FigureTally(
                    day=day,
                    metric=metric,
                    campaign_id=campaign_id,
                    sector_id=sector_id,
                    count=count,
                )
            )
    except IntegrityError:
        # Another erasure created the same row between our select and insert.
        row = (await session.scalars(query.limit(1).with_for_update())).first()
        if row is None:
            raise
        row.count += count
