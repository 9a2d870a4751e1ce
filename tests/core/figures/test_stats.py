"""Key figures, funnels per campaign and sector, weekly series, CSV export, and erasure."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.cli.demo import clear_demo, seed_demo
from outreach_bot.core.conversation.service import erase_conversation
from outreach_bot.core.figures.stats import (
    FUNNEL,
    Figures,
    Metric,
    Period,
    compute_figures,
    figures_csv,
    key_figures,
)
from outreach_bot.core.outreach.campaigns import archive_campaign, create_campaign
from outreach_bot.core.services import Services
from outreach_bot.domain.errors import ConflictError, InvalidInputError
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import (
    Base,
    Campaign,
    CampaignScan,
    Consent,
    Conversation,
    FigureTally,
    Lead,
    LeadEvent,
    Sector,
)
from tests.conftest import make_settings

TODAY = date(2026, 11, 25)
DEMO_TOTALS = {
    "scans": 174,
    "identified": 71,
    "consents": 29,
    "leads": 31,
    "urgent": 2,
    "contacted": 20,
    "mobilised": 10,
    "interventions": 4,
}


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def add_person(
    services: Services,
    *,
    day: date,
    campaign_id: int | None = None,
    consent: bool = False,
    lead_status: str | None = None,
    sector_code: str | None = "nord-meusien",
    history: list[tuple[str, date]] | None = None,
    name: str = "Samia",
) -> int:
    """One young person written straight to the database; returns the conversation id."""
    async with services.sessions.begin() as session:
        sector_id = (
            await session.scalar(select(Sector.id).where(Sector.code == sector_code))
            if sector_code
            else None
        )
        count = await session.scalar(select(func.count(Conversation.id)))
        conversation = Conversation(
            channel="sms",
            sender_hash=f"hash-{count}",
            sender_ref=f"+3363998{count:04d}",
            campaign_id=campaign_id,
            created_at=at(day),
        )
        session.add(conversation)
        await session.flush()
        consent_id = None
        if consent:
            row = Consent(
                conversation_id=conversation.id,
                given_at=at(day, 13),
                text_version="v-test",
                channel="sms",
            )
            session.add(row)
            await session.flush()
            consent_id = row.id
        if lead_status is not None:
            lead = Lead(
                conversation_id=conversation.id,
                consent_id=consent_id,
                sector_id=sector_id,
                campaign_id=campaign_id,
                status=lead_status,
                channel="sms",
                first_name=name,
                phone="+33639981234",
                created_at=at(day, 14),
                status_changed_at=at(day, 15),
            )
            session.add(lead)
            await session.flush()
            for status, when in history or []:
                session.add(LeadEvent(lead_id=lead.id, kind="status", status=status, at=at(when)))
        return conversation.id


async def figures_of(
    services: Services, first: date | None = None, last: date | None = None
) -> Figures:
    return await compute_figures(services.sessions, Period(first, last), today=TODAY)


async def test_empty_database_has_zero_figures(services: Services) -> None:
    """A fresh install shows zeros everywhere, not an error."""
    figures = await figures_of(services)
    assert figures.key.as_dict() == dict.fromkeys(DEMO_TOTALS, 0)
    assert figures.campaigns == []
    assert all(row.counts == {} for row in figures.sectors)
    assert len(figures.weeks) == 1


async def test_demo_dataset_gives_the_documented_figures(services: Services) -> None:
    """The seeded demo data produces known key figures, and every total line agrees with them."""
    report = await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
    assert (report.campaigns, report.conversations, report.leads) == (5, 71, 31)
    figures = await figures_of(services)
    assert figures.key.as_dict() == DEMO_TOTALS
    for rows in (figures.campaigns, figures.sectors):
        for metric in FUNNEL:
            assert sum(row.count(metric) for row in rows) == figures.key.as_dict()[metric.value]
    forum = figures.campaign("DEMO-FORUM-VERDUN")
    assert forum is not None
    assert [forum.count(metric) for metric in FUNNEL] == [64, 21, 9, 9, 7, 4]
    assert forum.interventions == 1
    assert figures.campaigns[-1].name == "Sans campagne"
    assert figures.campaigns[-1].count(Metric.IDENTIFIED) == 14
    poster = figures.campaign("DEMO-AFFICHE-MJC")
    assert poster is not None
    assert poster.interventions == 0
    archived = figures.campaign("DEMO-FETE-SPORT")
    assert archived is not None
    assert archived.active is False
    assert archived.interventions == 1


async def test_demo_data_can_be_seeded_once_and_cleared_entirely(services: Services) -> None:
    """A second seed is refused, and clearing leaves no figure behind."""
    await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
    with pytest.raises(ConflictError):
        await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
    assert await clear_demo(services.sessions) == 71
    figures = await figures_of(services)
    assert figures.key.as_dict() == dict.fromkeys(DEMO_TOTALS, 0)


async def test_period_counts_what_happened_inside_it_both_ends_included(
    services: Services,
) -> None:
    """A conversation on the last day of the period counts; one the day after does not."""
    await add_person(services, day=date(2026, 1, 31))
    await add_person(services, day=date(2026, 2, 1))
    await add_person(services, day=date(2026, 1, 1))
    january = await figures_of(services, date(2026, 1, 1), date(2026, 1, 31))
    assert january.key.identified == 2
    from_february = await figures_of(services, date(2026, 2, 1), None)
    assert from_february.key.identified == 1
    async with services.sessions() as session:
        until = datetime(2026, 2, 1, tzinfo=UTC)
        assert (await key_figures(session, until=until)).identified == 2


async def test_mobilised_counts_when_first_reached_even_if_closed_later(
    services: Services,
) -> None:
    """A lead mobilised in March, reopened and closed otherwise in April, counts in March."""
    await add_person(
        services,
        day=date(2026, 3, 2),
        consent=True,
        lead_status="closed",
        history=[
            ("claimed", date(2026, 3, 3)),
            ("contacted", date(2026, 3, 5)),
            ("appointment", date(2026, 3, 12)),
            ("mobilised", date(2026, 3, 20)),
            ("claimed", date(2026, 4, 2)),
            ("closed", date(2026, 4, 10)),
        ],
    )
    march = await figures_of(services, date(2026, 3, 1), date(2026, 3, 31))
    assert (march.key.contacted, march.key.mobilised) == (1, 1)
    april = await figures_of(services, date(2026, 4, 1), date(2026, 4, 30))
    assert (april.key.leads, april.key.mobilised) == (0, 0)


async def test_an_appointment_set_is_not_yet_mobilised(services: Services) -> None:
    """ "Jeunes mobilisés" counts what it says: an appointment set is contacted, not mobilised
    (the appointments have their own figures)."""
    await add_person(
        services,
        day=date(2026, 3, 2),
        consent=True,
        lead_status="appointment",
        history=[("contacted", date(2026, 3, 5)), ("appointment", date(2026, 3, 20))],
    )
    march = await figures_of(services, date(2026, 3, 1), date(2026, 3, 31))
    assert (march.key.contacted, march.key.mobilised) == (1, 0)


async def test_a_lead_without_history_counts_from_its_last_status_change(
    services: Services,
) -> None:
    """A lead set to mobilised outside the back office still counts as mobilised."""
    await add_person(services, day=date(2026, 5, 4), consent=True, lead_status="mobilised")
    figures = await figures_of(services)
    assert (figures.key.contacted, figures.key.mobilised) == (1, 1)


async def test_not_contacted_leads_are_not_counted_as_contacted(services: Services) -> None:
    """New, claimed and unreachable leads stay out of the contacted and mobilised counts."""
    for status in ("new", "claimed", "unreachable"):
        await add_person(services, day=date(2026, 5, 4), consent=True, lead_status=status)
    figures = await figures_of(services)
    assert (figures.key.leads, figures.key.contacted, figures.key.mobilised) == (3, 0, 0)


async def test_interventions_are_campaigns_with_a_date_in_the_period(services: Services) -> None:
    """Dated events count (archived too); a poster without a date does not."""
    await create_campaign(services.sessions, "FORUM-A", name="Forum A", held_on=date(2026, 6, 3))
    await create_campaign(services.sessions, "FORUM-B", name="Forum B", held_on=date(2026, 7, 3))
    await create_campaign(services.sessions, "AFFICHE-C", name="Affiche")
    await archive_campaign(services.sessions, "FORUM-A")
    june = await figures_of(services, date(2026, 6, 1), date(2026, 6, 30))
    assert june.key.interventions == 1
    assert (await figures_of(services)).key.interventions == 2
    sector_total = sum(row.interventions for row in june.sectors)
    assert sector_total == 1
    assert sum(week.interventions for week in june.weeks) == 1


async def test_erasure_keeps_the_figures_but_nothing_personal(services: Services) -> None:
    """After a young person erases everything, the counts stay and no name or number is left."""
    campaign = await create_campaign(services.sessions, "FORUM-E", name="Forum E")
    conversation_id = await add_person(
        services,
        day=date(2026, 9, 1),
        campaign_id=campaign.id,
        consent=True,
        lead_status="mobilised",
        history=[
            ("contacted", date(2026, 9, 3)),
            ("appointment", date(2026, 9, 8)),
            ("mobilised", date(2026, 9, 20)),
        ],
        name="Zoé",
    )
    await add_person(services, day=date(2026, 9, 1), campaign_id=campaign.id)
    before = await figures_of(services)
    async with services.sessions.begin() as session:
        await erase_conversation(session, conversation_id, actor="young_person", now=at(TODAY))
    after = await figures_of(services)
    assert after.key == before.key
    assert after.campaign("FORUM-E") == before.campaign("FORUM-E")
    assert [week.counts for week in after.weeks] == [week.counts for week in before.weeks]
    september = await figures_of(services, date(2026, 9, 1), date(2026, 9, 30))
    assert september.key.mobilised == 1
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Lead.id))) == 0
        tallies = list(await session.scalars(select(FigureTally)))
    assert {tally.metric for tally in tallies} == {
        "identified",
        "consents",
        "leads",
        "contacted",
        "mobilised",
    }
    assert all(set(vars(tally)) - {"_sa_instance_state"} == {
        "id", "day", "metric", "campaign_id", "sector_id", "count"
    } for tally in tallies)  # fmt: skip


async def test_two_erasures_on_the_same_day_add_up(services: Services) -> None:
    """Anonymous counts of two erased people on one day are one row with a count of two."""
    ids = [await add_person(services, day=date(2026, 9, 1)) for _ in range(2)]
    async with services.sessions.begin() as session:
        for conversation_id in ids:
            await erase_conversation(session, conversation_id, actor="purge", now=at(TODAY))
    async with services.sessions() as session:
        tallies = list(await session.scalars(select(FigureTally)))
    assert [(tally.metric, tally.count) for tally in tallies] == [("identified", 2)]
    assert (await figures_of(services)).key.identified == 2


async def test_a_conversation_belongs_to_its_leads_sector_else_its_campaigns(
    services: Services,
) -> None:
    """Sector funnels: the lead's sector first, then the campaign's, else "no sector"."""
    campaign = await create_campaign(
        services.sessions, "CITY-STADE", name="City", sector="hors-secteur"
    )
    await add_person(services, day=date(2026, 4, 1), campaign_id=campaign.id)
    await add_person(
        services,
        day=date(2026, 4, 1),
        campaign_id=campaign.id,
        consent=True,
        lead_status="new",
        sector_code="nord-meusien",
    )
    await add_person(services, day=date(2026, 4, 1))
    figures = await figures_of(services)
    by_code = {row.code: row for row in figures.sectors}
    assert by_code["hors-secteur"].count(Metric.IDENTIFIED) == 1
    assert by_code["nord-meusien"].count(Metric.IDENTIFIED) == 1
    assert by_code["nord-meusien"].count(Metric.LEADS) == 1
    assert by_code[""].name == "Sans secteur"
    assert by_code[""].count(Metric.IDENTIFIED) == 1


async def test_scans_count_per_campaign_and_week(services: Services) -> None:
    """Scans land on their campaign's line and in the right week."""
    campaign = await create_campaign(services.sessions, "FORUM-S", name="Forum S")
    async with services.sessions.begin() as session:
        for day in (date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 14)):
            session.add(CampaignScan(campaign_id=campaign.id, at=at(day)))
    figures = await figures_of(services, date(2026, 10, 1), date(2026, 10, 31))
    row = figures.campaign("FORUM-S")
    assert row is not None
    assert row.count(Metric.SCANS) == 3
    weeks = {week.label: week.count(Metric.SCANS) for week in figures.weeks}
    assert weeks == {"2026-W40": 0, "2026-W41": 2, "2026-W42": 1, "2026-W43": 0, "2026-W44": 0}


async def test_a_deleted_campaigns_conversations_stay_counted_without_campaign(
    services: Services,
) -> None:
    """Deleting a campaign row (outside the app) moves its conversations to "no campaign"."""
    campaign = await create_campaign(services.sessions, "FORUM-D", name="Forum D")
    await add_person(services, day=date(2026, 4, 1), campaign_id=campaign.id)
    async with services.sessions.begin() as session:
        await session.delete(await session.get(Campaign, campaign.id))
    figures = await figures_of(services)
    assert figures.key.identified == 1
    assert [row.name for row in figures.campaigns] == ["Sans campagne"]


async def test_csv_export_has_counts_and_no_personal_data(services: Services) -> None:
    """The CSV holds aggregated numbers only, and a formula typed as a name cannot run."""
    await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
    await create_campaign(
        services.sessions, "PIEGE", name='=HYPERLINK("x")', held_on=date(2026, 11, 2)
    )
    async with services.sessions() as session:
        names = [lead.first_name for lead in await session.scalars(select(Lead))]
        phones = [lead.phone for lead in await session.scalars(select(Lead))]
    text = figures_csv(await figures_of(services))
    for secret in [*names, *phones, "démo] Salut"]:
        assert secret
        assert secret not in text
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    total = next(row for row in rows if row["Section"] == "Total")
    assert int(total["Conversations"]) == 71
    assert int(total["Mobilisés"]) == 10
    assert {row["Section"] for row in rows} == {"Total", "Campagne", "Secteur", "Semaine", "Suivi"}
    weeks = [row for row in rows if row["Section"] == "Semaine"]
    assert sum(int(row["Demandes"]) for row in weeks) == 31
    trap = next(row for row in rows if row["Code"] == "PIEGE")
    assert trap["Nom"] == '\'=HYPERLINK("x")'
    assert trap["Date"] == "02/11/2026"


@pytest.mark.parametrize(
    ("first", "last"),
    [("2026-13-01", None), ("hier", None), (None, "31/01/2026"), ("2026-02-01", "2026-01-01")],
)
def test_bad_periods_are_refused_with_a_reason(first: str | None, last: str | None) -> None:
    """A malformed date or an end before the start is an error, not an empty dashboard."""
    with pytest.raises(InvalidInputError):
        Period.parse(first, last)


def test_week_labels_follow_iso_weeks() -> None:
    """Weeks start on Monday and are labelled like 2026-W05."""
    from outreach_bot.core.figures.stats import WeekRow, week_start

    assert week_start(date(2026, 2, 1)) == date(2026, 1, 26)
    assert WeekRow(date(2026, 1, 26), {}).label == "2026-W05"
    assert week_start(date(2026, 1, 26) + timedelta(days=6)) == date(2026, 1, 26)


@pytest.mark.postgres
async def test_demo_figures_and_erasure_on_postgresql(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """The same figures, and the same tallies after an erasure, on PostgreSQL."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        try:
            before = (await figures_of(services)).key.as_dict()
            await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
            after = (await figures_of(services)).key.as_dict()
            assert {key: after[key] - before[key] for key in after} == DEMO_TOTALS
            async with services.sessions.begin() as session:
                conversation_id = await session.scalar(
                    select(Lead.conversation_id).where(Lead.status == "mobilised").limit(1)
                )
                assert conversation_id is not None
                await erase_conversation(
                    session, conversation_id, actor="young_person", now=at(TODAY)
                )
            assert (await figures_of(services)).key.as_dict() == after
        finally:
            await clear_demo(services.sessions)
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def test_clearing_the_demo_also_removes_counts_of_erased_demo_people(
    services: Services,
) -> None:
    """A demo lead erased from the back office leaves no figure once the demo is cleared."""
    await seed_demo(services.sessions, consent_version="v-test", today=TODAY)
    async with services.sessions.begin() as session:
        conversation_id = await session.scalar(
            select(Conversation.id).where(Conversation.campaign_id.is_not(None)).limit(1)
        )
        assert conversation_id is not None
        await erase_conversation(session, conversation_id, actor="admin", now=at(TODAY))
    await clear_demo(services.sessions)
    assert (await figures_of(services)).key.as_dict() == dict.fromkeys(DEMO_TOTALS, 0)


def test_a_reversed_period_is_put_back_in_order_when_asked() -> None:
    """The back office reads 1 Feb → 1 Jan as January, and says it swapped the dates."""
    period = Period.parse("2026-02-01", "2026-01-01", reorder=True)
    assert (period.first, period.last, period.swapped) == (
        date(2026, 1, 1),
        date(2026, 2, 1),
        True,
    )
    assert Period.parse("2026-01-01", "2026-02-01", reorder=True).swapped is False
