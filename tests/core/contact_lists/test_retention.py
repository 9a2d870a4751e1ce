"""A list's purge date: the people who never answered are erased, the figures stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from outreach_bot.core.figures.lists import list_figures, lists_csv
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.services import Services
from outreach_bot.storage.models import ContactList, ContactListRow, Conversation, Lead
from tests.core.contact_lists.conftest import TODAY
from tests.core.contact_lists.test_sending import answered_list

PURGE_DAY = datetime.combine(TODAY + timedelta(days=90), datetime.min.time(), UTC)


async def test_the_purge_erases_the_silent_and_keeps_who_answered(services: Services) -> None:
    """At the list's date the silent rows and their conversations go; the lead stays, the
    figures do not shrink, and the day before nothing is touched."""
    list_id = await answered_list(services, ["ok je veux bien", "c'est pas moi", "STOP"])
    before = (await list_figures(services.sessions))[0]
    assert (before.rows, before.sent, before.answered, before.wrong_numbers, before.stopped) == (
        4,
        4,
        1,
        1,
        1,
    )
    assert before.leads == 1
    report = await purge(
        services.sessions,
        transcript_days=90,
        retention_days=365,
        now=PURGE_DAY - timedelta(days=1),
    )
    assert report.list_rows == 0
    report = await purge(services.sessions, transcript_days=90, retention_days=365, now=PURGE_DAY)
    assert report.list_rows == 3
    async with services.sessions() as session:
        phones = list(await session.scalars(select(ContactListRow.phone)))
        conversations = await session.scalar(select(func.count(Conversation.id)))
        leads = await session.scalar(select(func.count(Lead.id)))
        contact_list = await session.get(ContactList, list_id)
    assert phones == ["+33640000001"]
    assert conversations == 1
    assert leads == 1
    assert contact_list is not None
    assert contact_list.purged_at is not None
    after = (await list_figures(services.sessions))[0]
    assert after == before.__class__(**{**before.as_dict(), "status": "purged"})
    assert "Liste;SIEI;LISTE-1" in lists_csv([after])
