"""Measure one scheduler tick with 100 and with 100,000 scheduled messages waiting.

Usage (from the repository root):

    .venv/bin/python benchmarks/scheduler_tick.py [--sizes 100 100000] [--rounds 30]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For each database (a throw-away SQLite file, and a throw-away PostgreSQL database when
``--postgres`` is given) and each size, it fills ``scheduled_messages`` with that many rows
due over the next 30 days, spread over 1,000 SMS conversations. Then, ``--rounds`` times, it
adds 10 rows due now and times one tick (claim, render, transcript line, outbox row, commit),
and also times a tick with nothing due. The clock is frozen on a Tuesday at 10:00 Paris time,
so the sending rules let everything through. A tick should cost the same whatever waits
behind the due rows: it reads them through the (status, due_at) index.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scratch import NoNlu, scratch_settings
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from outreach_bot.app import open_services
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.schedule import ScheduledContent
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, ScheduledMessage

NOW = datetime(2030, 1, 8, 10, tzinfo=PARIS).astimezone(UTC)
CONVERSATIONS = 1000
DUE_PER_ROUND = 10


async def fill(services: object, size: int) -> list[int]:
    """``CONVERSATIONS`` conversations and ``size`` future rows; the conversation ids."""
    sessions = services.sessions  # type: ignore[attr-defined]
    async with sessions.begin() as session:
        await session.execute(
            insert(Conversation),
            [
                {
                    "channel": "sms",
                    "sender_hash": current_cipher().lookup_hash(f"sms:+3361{n:07d}"),
                    "sender_ref": f"+3361{n:07d}",
                    "locale": "fr",
                    "created_at": NOW,
                    "last_message_at": NOW,
                }
                for n in range(CONVERSATIONS)
            ],
        )
        ids = list(await session.scalars(text("SELECT id FROM conversations ORDER BY id")))
    payload = ScheduledContent(message="greet").to_json()
    step = timedelta(days=30) / size
    for start in range(0, size, 10_000):
        async with sessions.begin() as session:
            await session.execute(
                insert(ScheduledMessage),
                [
                    {
                        "conversation_id": ids[n % len(ids)],
                        "kind": "bench",
                        "payload": payload,
                        "due_at": NOW + timedelta(minutes=1) + step * n,
                        "status": "pending",
                        "created_at": NOW,
                    }
                    for n in range(start, min(size, start + 10_000))
                ],
            )
    return ids


async def measure(url: str, size: int, rounds: int, var: Path) -> tuple[float, float, float]:
    """Median and p95 of a tick with 10 due rows, and median of an empty tick, in ms."""
    settings = scratch_settings(var, database_url=url)
    async with open_services(settings, nlu=NoNlu(), create_schema=True) as services:
        ids = await fill(services, size)
        payload = ScheduledContent(message="greet").to_json()
        busy: list[float] = []
        idle: list[float] = []
        for round_ in range(rounds):
            async with services.sessions.begin() as session:
                await session.execute(
                    insert(ScheduledMessage),
                    [
                        {
                            "conversation_id": ids[(round_ * DUE_PER_ROUND + n) % len(ids)],
                            "kind": "bench",
                            "payload": payload,
                            "due_at": NOW - timedelta(minutes=1),
                            "status": "pending",
                            "created_at": NOW,
                        }
                        for n in range(DUE_PER_ROUND)
                    ],
                )
            started = time.perf_counter()
            sent = await services.scheduler.tick(now=NOW)
            busy.append((time.perf_counter() - started) * 1000)
            if sent != DUE_PER_ROUND:
                raise RuntimeError(f"a tick queued {sent} of {DUE_PER_ROUND} due messages")
            started = time.perf_counter()
            if await services.scheduler.tick(now=NOW):
                raise RuntimeError("a second tick found something left to send")
            idle.append((time.perf_counter() - started) * 1000)
    busy.sort()
    return (
        statistics.median(busy),
        busy[int(len(busy) * 0.95) - 1],
        statistics.median(idle),
    )


async def postgres_database(admin_url: str, statement: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 100_000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    print(f"{'database':<11}{'pending':>9}  {'tick, 10 due':>22}  {'tick, none due':>15}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            var = Path(scratch) / f"sqlite-{size}"
            url = f"sqlite+aiosqlite:///{var / 'bench.db'}"
            median, p95, empty = await measure(url, size, args.rounds, var)
            print(
                f"{'SQLite':<11}{size:>9,}  {median:>7.1f} ms (p95 {p95:>5.1f})  {empty:>9.2f} ms"
            )
            if args.postgres:
                name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
                await postgres_database(args.postgres, f'CREATE DATABASE "{name}"')
                try:
                    url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
                    var = Path(scratch) / f"pg-{size}"
                    median, p95, empty = await measure(url, size, args.rounds, var)
                finally:
                    await postgres_database(
                        args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                    )
                print(
                    f"{'PostgreSQL':<11}{size:>9,}  {median:>7.1f} ms (p95 {p95:>5.1f})"
                    f"  {empty:>9.2f} ms"
                )


if __name__ == "__main__":
    asyncio.run(main())
