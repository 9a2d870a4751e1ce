"""Scheduled messages on PostgreSQL with real worker processes: killed mid-tick, or two at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from outreach_bot.app import open_services
from outreach_bot.core.schedule import ScheduledContent
from outreach_bot.core.services import Services
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Base,
    Conversation,
    Message,
    OutboxItem,
    ScheduledMessage,
    ScheduledStatus,
)
from tests.conftest import ROOT, make_settings
from tests.core.schedule.worker import NOW
from tests.fakes import FakeNlu

ROWS = 1000
PEOPLE = 300


@pytest.fixture(name="pg")
async def _pg(tmp_path: Path, postgres_url: str) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=FakeNlu(), create_schema=True) as services:
        try:
            yield services
        finally:
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def fill(services: Services) -> None:
    """``ROWS`` messages due now, for ``PEOPLE`` SMS conversations."""
    async with services.sessions.begin() as session:
        await session.execute(
            insert(Conversation),
            [
                {
                    "channel": "sms",
                    "sender_hash": current_cipher().lookup_hash(f"sms:+3361{n:07d}"),
                    "sender_ref": f"+3361{n:07d}",
                    "created_at": NOW,
                    "last_message_at": NOW,
                }
                for n in range(PEOPLE)
            ],
        )
        ids = list(await session.scalars(select(Conversation.id)))
        payload = ScheduledContent(message="greet").to_json()
        await session.execute(
            insert(ScheduledMessage),
            [
                {
                    "conversation_id": ids[n % PEOPLE],
                    "kind": "test",
                    "payload": payload,
                    "due_at": NOW - timedelta(seconds=n),
                    "status": ScheduledStatus.PENDING,
                    "created_at": NOW,
                }
                for n in range(ROWS)
            ],
        )


async def start_worker(services: Services, tmp_path: Path, name: str, batch: int):  # type: ignore[no-untyped-def]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.core.schedule.worker",
        services.settings.effective_database_url,
        str(tmp_path / name),
        str(batch),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert process.stdout is not None
    assert (await asyncio.wait_for(process.stdout.readline(), 120)).strip() == b"ready"
    return process


def go(*processes) -> None:  # type: ignore[no-untyped-def]
    """Let the workers start ticking (they wait so that a slow start does not leave one idle)."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")


async def queued_by(process) -> int:  # type: ignore[no-untyped-def]
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 600)
    finally:
        if process.returncode is None:  # never leave a worker holding locks on the database
            process.kill()
            await process.wait()
    assert process.returncode == 0
    return int(out.decode().split()[-1])


async def assert_each_sent_once(services: Services) -> None:
    """Every row sent, each with one transcript line and one outbox row, nothing else."""
    async with services.sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(ScheduledMessage.status, func.count()).group_by(ScheduledMessage.status)
                )
            ).all()
        )
        lines = await session.scalar(select(func.count()).select_from(Message))
        outbox = await session.scalar(select(func.count()).select_from(OutboxItem))
        linked = await session.scalar(
            select(func.count(func.distinct(ScheduledMessage.message_id)))
        )
    assert statuses == {ScheduledStatus.SENT: ROWS}
    assert (lines, outbox, linked) == (ROWS, ROWS, ROWS)


async def sent_so_far(services: Services) -> int:
    async with services.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).where(ScheduledMessage.status == ScheduledStatus.SENT)
            )
            or 0
        )


@pytest.mark.postgres
async def test_two_workers_share_the_due_messages_and_send_each_once(
    pg: Services, tmp_path: Path
) -> None:
    """Two worker processes ticking at once split 1,000 due messages: none twice, none lost."""
    await fill(pg)
    first = await start_worker(pg, tmp_path, "one", 20)
    second = await start_worker(pg, tmp_path, "two", 20)
    go(first, second)
    counts = [await queued_by(first), await queued_by(second)]
    assert sum(counts) == ROWS
    assert min(counts) > 0, counts  # both did their share: SKIP LOCKED, not one waiting
    await assert_each_sent_once(pg)


@pytest.mark.postgres
async def test_a_worker_killed_mid_tick_loses_and_doubles_nothing(
    pg: Services, tmp_path: Path
) -> None:
    """kill -9 in the middle of the work: the next worker sends exactly what is left."""
    await fill(pg)
    victim = await start_worker(pg, tmp_path, "victim", 10)
    go(victim)
    for _ in range(600):
        if await sent_so_far(pg) >= ROWS // 10:
            break
        await asyncio.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    assert victim.returncode == -signal.SIGKILL
    before = await sent_so_far(pg)
    assert 0 < before < ROWS, before  # killed in the middle, not before or after
    heir = await start_worker(pg, tmp_path, "heir", 10)
    go(heir)
    assert await queued_by(heir) == ROWS - before
    await assert_each_sent_once(pg)
