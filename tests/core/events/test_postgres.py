"""Worker processes sharing one PostgreSQL database: events, leadership, outbox and purge.

Each ``open_services`` below has its own engine, pool and LISTEN connection, as a separate
``outreach-bot run`` process would; the two-real-processes test is in tests/cli/test_workers.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import Account, add_user
from outreach_bot.core.texts import approve_text
from outreach_bot.domain.roles import Role
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import (
    AuditEntry,
    Author,
    Base,
    Conversation,
    Direction,
    Message,
)
from tests.conftest import make_settings
from tests.core.delivery.test_outbox import FlakyChannel, queue_one

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def two_workers(
    tmp_path: Path, postgres_url: str, nlu: NluBackend
) -> AsyncIterator[tuple[Services, Services]]:
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with (
        open_services(settings, nlu=nlu, create_schema=True) as first,
        open_services(settings, nlu=nlu) as second,
    ):
        try:
            yield first, second
        finally:
            async with first.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def test_an_event_reaches_the_other_workers_live_view_once(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """Live views everywhere get it once; team listeners run only where it was published."""
    async with two_workers(tmp_path, postgres_url, embedded_nlu) as (first, second):
        heard_first: list[TeamEvent] = []
        heard_second: list[TeamEvent] = []

        async def on_first(event: TeamEvent) -> None:
            heard_first.append(event)

        async def on_second(event: TeamEvent) -> None:
            heard_second.append(event)

        first.events.subscribe(on_first)
        second.events.subscribe(on_second)
        here, there = first.events.stream(), second.events.stream()
        event = TeamEvent("lead_created", 7, 42, 3, first_name="Léa", need="un job")
        await first.events.publish(event)
        received = await asyncio.wait_for(there.get(), 10)
        await asyncio.sleep(0.3)  # would a second copy arrive?
        assert (received.kind, received.lead_id, received.sector_id) == ("lead_created", 42, 3)
        assert received.first_name is None  # names never travel through PostgreSQL
        assert here.get_nowait() == event  # once in the publishing process, in full…
        assert here.qsize() == 0  # …not again when its own notification comes back…
        assert there.qsize() == 0  # …and once in the other
        assert heard_first == [event]
        assert heard_second == []  # the team group is told once, by the publisher


async def test_one_worker_leads_and_another_takes_over_when_it_stops(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """Only one process may long-poll Telegram; when it goes, another becomes leader."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as first:
        try:
            async with open_services(settings, nlu=embedded_nlu) as second:
                assert await first.try_lead()
                assert await first.try_lead()  # still the leader
                assert not await second.try_lead()
            async with open_services(settings, nlu=embedded_nlu) as third:
                assert not await third.try_lead()  # the first still leads
        finally:
            async with first.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as fourth:
        assert await fourth.try_lead()  # the leader's process ended: the lock went with it
        async with fourth.db.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)


async def test_dispatchers_of_two_workers_send_each_row_once(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """Two processes' dispatchers run at once on the same outbox: no row is sent twice."""
    async with two_workers(tmp_path, postgres_url, embedded_nlu) as (first, second):
        for index in range(20):
            await queue_one(first, f"m{index}")
        channel = FlakyChannel([])
        dispatchers = [
            OutboxDispatcher(services.sessions, {"telegram": channel})
            for services in (first, second, first, second)
        ]
        sent = await asyncio.gather(*(dispatcher.run_once() for dispatcher in dispatchers))
        assert sum(sent) == 20
        assert sorted(reply.text for _, reply in channel.sent) == sorted(
            f"m{index}" for index in range(20)
        )


async def test_two_purges_at_once_erase_each_conversation_once(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """A purge started on two machines at once erases (and audits) each conversation once."""
    old = datetime.now(UTC) - timedelta(days=400)
    async with two_workers(tmp_path, postgres_url, embedded_nlu) as (first, second):
        async with first.sessions.begin() as session:
            for index in range(10):
                conversation = Conversation(
                    channel="rest",
                    sender_hash=f"old-{index}",
                    sender_ref=f"old-{index}",
                    created_at=old,
                    last_message_at=old,
                )
                session.add(conversation)
                await session.flush()
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        direction=Direction.INBOUND,
                        author=Author.YOUNG_PERSON,
                        text="salut",
                        created_at=old,
                    )
                )
        reports = await asyncio.gather(
            *(
                purge(services.sessions, transcript_days=90, retention_days=365)
                for services in (first, second)
            )
        )
        async with first.sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Conversation))
            audits = await session.scalar(select(func.count()).where(AuditEntry.action == "erase"))
    assert left == 0
    assert sum(report.conversations for report in reports) == 10
    assert audits == 10


async def test_a_text_approved_in_one_worker_is_said_by_the_other_at_once(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """The approval travels as a ``texts_changed`` event: the other worker rebuilds its
    content and says the corrected Dari question from its next message, with no restart."""
    corrected = "نام کوچک شما چیست؟"
    async with two_workers(tmp_path, postgres_url, embedded_nlu) as (first, second):
        user_id = await add_user(
            first.sessions, "colette@example.org", role="coordinator", password="x" * 12
        )
        account = Account(user_id, "colette@example.org", Role.COORDINATOR, "Colette", None)
        before = second.content.message("ask_name", "prs")
        await approve_text(
            first.sessions,
            first.settings.content_dir,
            account,
            language="prs",
            key="messages.ask_name",
            text=corrected,
            reviewed_by="Farid, interprète",
            events=first.events,
        )
        assert first.content.message("ask_name", "prs") == corrected
        for _ in range(100):
            if second.content.message("ask_name", "prs") != before:
                break
            await asyncio.sleep(0.1)
        assert second.content.message("ask_name", "prs") == corrected
        assert second.content.texts["prs"]["messages.ask_name"].reviewed_by == "Farid, interprète"
