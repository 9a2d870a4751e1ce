"""The same campaign on PostgreSQL: import, start, send, answer, STOP, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.core.figures.lists import list_figures
from outreach_bot.core.privacy.purge import purge
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Base, ContactListRow, Lead
from tests.conftest import make_settings
from tests.core.contact_lists.conftest import TODAY, person
from tests.core.contact_lists.test_sending import MONDAY_9H, answer, new_list, sent_to
from tests.fakes import RecordingChannel

pytestmark = pytest.mark.postgres


async def test_a_list_campaign_on_postgresql(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """Bulk writes, the send-time guard, the answer's lead and the purge work on PostgreSQL."""
    settings = make_settings(tmp_path, database_url=postgres_url, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        services.outbound["sms"] = RecordingChannel("sms")
        try:
            list_id = await new_list(services, [person(index) for index in range(1, 40)])
            plan = await services.first_contacts.start(list_id, now=MONDAY_9H)
            assert plan.planned == 39
            sent = await sent_to(services, MONDAY_9H + timedelta(hours=1))
            assert len({number for number, _ in sent}) == 39
            await answer(services, "+33640000001", "oui", "pg1")
            await answer(services, "+33640000002", "STOP", "pg2")
            figures = (await list_figures(services.sessions))[0]
            assert (figures.sent, figures.answered, figures.stopped, figures.leads) == (
                39,
                1,
                1,
                1,
            )
            day = datetime.combine(TODAY + timedelta(days=90), datetime.min.time(), UTC)
            report = await purge(
                services.sessions, transcript_days=90, retention_days=365, now=day
            )
            assert report.list_rows == 38
            async with services.sessions() as session:
                assert await session.scalar(select(func.count(ContactListRow.id))) == 1
                assert await session.scalar(select(func.count(Lead.id))) == 1
            assert (await list_figures(services.sessions))[0].sent == 39
        finally:
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
