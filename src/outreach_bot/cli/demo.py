"""Invented demo data, to try the back office and the figures before any real young person writes.

Everything is marked: campaign codes start with ``DEMO-``, names with ``[DÉMO]``, first names end
with ``(démo)``, phone numbers are in the range ARCEP keeps for fiction (06 39 98 xx xx), and
messages start with ``[démo]``. :func:`clear_demo` removes it all, figures included.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.errors import ConflictError
from outreach_bot.domain.fields import commune_by_insee
from outreach_bot.domain.leads import MOBILISING_OUTCOMES, LeadStatus, Outcome
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Author,
    Campaign,
    CampaignScan,
    Consent,
    Conversation,
    Direction,
    FigureTally,
    Lead,
    LeadEvent,
    Message,
    Sector,
)

logger = logging.getLogger(__name__)

DEMO_PREFIX: Final = "DEMO-"
DEMO_SENDER: Final = "demo-{:04d}"
MAX_DEMO_PEOPLE: Final = 500
CHANNELS: Final = ("sms", "telegram", "rest")
FIRST_NAMES: Final = (
    "Inès",
    "Yanis",
    "Léa",
    "Noah",
    "Jade",
    "Sofiane",
    "Manon",
    "Kylian",
    "Chloé",
    "Rayan",
    "Emma",
    "Nolan",
)
COMMUNES: Final = ("55545", "55181", "55502", "55029", "55122")
DEMO_OUTCOMES: Final = tuple(sorted(MOBILISING_OUTCOMES))
"""How the demo's mobilised leads ended, in turn."""
TOPICS: Final = ("find_job", "find_training", "apprenticeship", "cej", "mobility", "housing")


@dataclass(frozen=True, slots=True)
class DemoCampaign:
    """One invented campaign and what it produced (counts, in funnel order)."""

    code: str
    name: str
    days_ago: int | None
    place: str
    sector: str | None
    active: bool
    scans: int
    conversations: int
    consents: int
    leads: int
    urgent: int
    contacted: int
    mobilised: int


DEMO_CAMPAIGNS: Final = (
    DemoCampaign(
        "DEMO-FORUM-VERDUN", "[DÉMO] Forum emploi Verdun", 52, "Salle des fêtes, Verdun",
        "nord-meusien", True, 64, 21, 9, 9, 0, 7, 4,
    ),
    DemoCampaign(
        "DEMO-CITY-STADE", "[DÉMO] Tournoi du city-stade", 31, "City-stade, Étain",
        "nord-meusien", True, 38, 12, 5, 6, 1, 4, 2,
    ),
    DemoCampaign(
        "DEMO-MARAUDE-STENAY", "[DÉMO] Maraude quartier gare", 10, "Stenay",
        "nord-meusien", True, 17, 8, 4, 4, 0, 2, 1,
    ),
    DemoCampaign(
        "DEMO-FETE-SPORT", "[DÉMO] Fête du sport", 75, "Stade municipal, Verdun",
        "nord-meusien", False, 25, 7, 3, 3, 0, 3, 2,
    ),
    DemoCampaign(
        "DEMO-AFFICHE-MJC", "[DÉMO] Affiche à la MJC", None, "MJC",
        None, True, 30, 9, 3, 3, 0, 1, 0,
    ),
)  # fmt: skip
"""Dated events, one archived, and a permanent poster (no date: not an intervention)."""

DIRECT: Final = DemoCampaign("", "", None, "", None, True, 0, 14, 5, 6, 1, 3, 1)
"""Young people who wrote without any campaign (an SMS to the number, a shared link)."""


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What was created."""

    campaigns: int
    scans: int
    conversations: int
    consents: int
    leads: int


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour=hour % 24, minute=(hour * 7) % 60), UTC)


def _spread(start: date, count: int, *, days: int, today: date) -> list[date]:
    """``count`` days from ``start`` over ``days`` days, most on the first, never after today."""
    result = []
    for index in range(count):
        offset = 0 if index % 3 == 0 else (index * 5) % max(days, 1)
        result.append(min(start + timedelta(days=offset), today))
    return result


async def seed_demo(
    sessions: async_sessionmaker[AsyncSession],
    *,
    consent_version: str,
    today: date | None = None,
) -> DemoReport:
    """Create the demo campaigns, scans, conversations, consents and leads, dated before today.

    Raises:
        ConflictError: demo data is already there (run :func:`clear_demo` first).
    """
    today = today or datetime.now(UTC).date()
    cipher = current_cipher()
    created = DemoReport(0, 0, 0, 0, 0)
    async with sessions.begin() as session:
        existing = await session.scalar(
            select(Campaign.id).where(Campaign.code.startswith(DEMO_PREFIX)).limit(1)
        )
        if existing is not None:
            raise ConflictError("demo data is already there; run `outreach-bot demo clear` first")
        rows = await session.execute(select(Sector.code, Sector.id))
        sectors: dict[str, int] = {code: sector_id for code, sector_id in rows}  # noqa: C416 - keeps the row types
        person = 0
        for spec in (*DEMO_CAMPAIGNS, DIRECT):
            campaign_id = None
            held_on = today - timedelta(days=spec.days_ago) if spec.days_ago is not None else None
            start = held_on or today - timedelta(days=70)
            window = 4 if held_on else 70
            if spec.code:
                campaign = Campaign(
                    code=spec.code,
                    name=spec.name,
                    held_on=held_on,
                    place=spec.place,
                    sector_id=sectors.get(spec.sector) if spec.sector else None,
                    active=spec.active,
                    created_at=_at(start - timedelta(days=7), 10),
                )
                session.add(campaign)
                await session.flush()
                campaign_id = campaign.id
                for index, day in enumerate(_spread(start, spec.scans, days=window, today=today)):
                    session.add(CampaignScan(campaign_id=campaign_id, at=_at(day, 9 + index)))
            days = _spread(start, spec.conversations, days=window, today=today)
            for index, day in enumerate(days):
                person += 1
                await _person(
                    session,
                    spec=spec,
                    index=index,
                    number=person,
                    day=day,
                    today=today,
                    campaign_id=campaign_id,
                    sector_id=sectors.get("nord-meusien"),
                    consent_version=consent_version,
                    lookup=cipher.lookup_hash,
                )
            created = DemoReport(
                created.campaigns + (1 if spec.code else 0),
                created.scans + (spec.scans if spec.code else 0),
                created.conversations + spec.conversations,
                created.consents + spec.consents,
                created.leads + spec.leads,
            )
    logger.info("demo data seeded: %s conversations", created.conversations)
    return created


async def _person(
    session: AsyncSession,
    *,
    spec: DemoCampaign,
    index: int,
    number: int,
    day: date,
    today: date,
    campaign_id: int | None,
    sector_id: int | None,
    consent_version: str,
    lookup: Callable[[str], str],
) -> None:
    """One invented young person: a conversation, and maybe a consent, a lead and its history.

    The first ``urgent`` leads are crisis leads without consent; the others need one.
    """
    channel = CHANNELS[number % len(CHANNELS)]
    sender = DEMO_SENDER.format(number)
    started = _at(day, 10 + index)
    conversation = Conversation(
        channel=channel,
        sender_hash=lookup(f"{channel}:{sender}"),
        sender_ref=sender,
        campaign_id=campaign_id,
        created_at=started,
        last_message_at=started,
    )
    session.add(conversation)
    await session.flush()
    session.add(
        Message(
            conversation_id=conversation.id,
            direction=Direction.INBOUND,
            author=Author.YOUNG_PERSON,
            text="[démo] Salut, je cherche du travail près de chez moi",
            created_at=started,
        )
    )
    urgent = index < spec.urgent
    with_consent = not urgent and index - spec.urgent < spec.consents
    if not urgent and not with_consent:
        return
    consent_id = None
    if with_consent:
        consent = Consent(
            conversation_id=conversation.id,
            given_at=started + timedelta(minutes=3),
            text_version=consent_version,
            channel=channel,
        )
        session.add(consent)
        await session.flush()
        consent_id = consent.id
    if index >= spec.leads:
        return
    insee = COMMUNES[number % len(COMMUNES)]
    commune = commune_by_insee(insee)
    lead = Lead(
        conversation_id=conversation.id,
        consent_id=consent_id,
        sector_id=sector_id,
        campaign_id=campaign_id,
        status=LeadStatus.NEW,
        urgent=urgent,
        channel=channel,
        first_name=f"{FIRST_NAMES[number % len(FIRST_NAMES)]} (démo)",
        phone=f"+336399800{number % 100:02d}",
        contact_here=channel != "sms",
        age=16 + number % 10,
        commune_insee=insee,
        commune_name=commune.name if commune else None,
        need="[démo] un premier emploi ou une formation",
        topic="crisis" if urgent else TOPICS[number % len(TOPICS)],
        created_at=started + timedelta(minutes=5),
        updated_at=started + timedelta(minutes=5),
        status_changed_at=started + timedelta(minutes=5),
    )
    session.add(lead)
    await session.flush()
    path = [LeadStatus.CLAIMED]
    if index < spec.contacted:
        path.append(LeadStatus.CONTACTED)
    outcome: Outcome | None = None
    if index < spec.mobilised:
        path += [LeadStatus.APPOINTMENT, LeadStatus.MOBILISED]
        outcome = DEMO_OUTCOMES[index % len(DEMO_OUTCOMES)]
    if index >= spec.contacted and index % 2:
        path.append(LeadStatus.UNREACHABLE)
        outcome = Outcome.NO_ANSWER
    moment = lead.created_at
    for step, status in enumerate(path, start=1):
        moment = min(moment + timedelta(days=step * 2), _at(today, 8))
        ending = outcome if status is path[-1] and outcome is not None else None
        session.add(
            LeadEvent(lead_id=lead.id, kind="status", status=status, outcome=ending, at=moment)
        )
    lead.status = path[-1]
    lead.outcome = outcome
    lead.status_changed_at = moment
    lead.updated_at = moment


async def clear_demo(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Remove every demo campaign and demo conversation, with their leads, consents and scans.

    Nothing is kept as a figure: demo data never happened (only the anonymous counts of a demo
    person erased before, who came from no campaign, cannot be told apart and stay). Returns how
    many conversations went.
    """
    cipher = current_cipher()
    hashes = [
        cipher.lookup_hash(f"{channel}:{DEMO_SENDER.format(number)}")
        for number in range(1, MAX_DEMO_PEOPLE + 1)
        for channel in CHANNELS
    ]
    async with sessions.begin() as session:
        ids = list(
            await session.scalars(
                select(Conversation.id).where(Conversation.sender_hash.in_(hashes))
            )
        )
        await session.execute(delete(Lead).where(Lead.conversation_id.in_(ids)))
        await session.execute(delete(Consent).where(Consent.conversation_id.in_(ids)))
        await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
        campaign_ids = select(Campaign.id).where(Campaign.code.startswith(DEMO_PREFIX))
        await session.execute(
            delete(CampaignScan).where(CampaignScan.campaign_id.in_(campaign_ids))
        )
        # Counts kept when a demo person was erased from the back office go too.
        await session.execute(delete(FigureTally).where(FigureTally.campaign_id.in_(campaign_ids)))
        await session.execute(delete(Campaign).where(Campaign.code.startswith(DEMO_PREFIX)))
    logger.info("demo data cleared: %s conversations", len(ids))
    return len(ids)
