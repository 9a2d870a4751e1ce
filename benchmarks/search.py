"""Measure the queue's search over encrypted leads (the blind index) at 1,000 and 10,000 leads.

Usage (from the repository root):

    .venv/bin/python benchmarks/search.py [--sizes 1000 10000] [--rounds 30]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For each database (a throw-away SQLite file, and a throw-away PostgreSQL database when
``--postgres`` is given) and each size, it writes that many invented leads through the ORM,
500 per transaction, so the ``after_flush`` listener indexes them as the bot's form would
(the write time per lead includes the encryption and the index rows). Then it times a full
rebuild (``ensure_search_index`` with its state removed: what the first start after migration
0022 does), and ``--rounds`` times each of three searches through
``list_leads`` as the queue runs them (200 rows at most): a common word (one lead in five), a
rare first name, and two words.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from scratch import NoNlu, scratch_settings
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from outreach_bot.app import open_services
from outreach_bot.core.leads.queue import LeadFilter, list_leads
from outreach_bot.storage import search_index
from outreach_bot.storage.models import Lead, LeadWord, Setting

BATCH = 500
# Invented data: first names, communes of north Meuse, and requests in a young person's words.
NAMES = ("Inès", "Noah", "Léa", "Mathis", "Chloé", "Enzo", "Jade", "Lucas", "Zoé", "Yanis")
COMMUNES = ("Verdun", "Stenay", "Montmédy", "Dun-sur-Meuse", "Étain", "Damvillers")
NEEDS = (
    "un logement pas cher pr la rentrée",
    "du boulot ds la restauration ou le bâtiment",
    "passer le permis, g pas de sous",
    "une formation en mécanique auto",
    "une aide pour mon CV et les entretiens",
)


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"{statistics.median(values) * 1000:7.2f} ms (p95 {p95 * 1000:.2f})"


async def run(url: str, label: str, size: int, rounds: int, var: Path) -> None:
    """Fill, rebuild, search; print one line."""
    settings = scratch_settings(var, database_url=url)
    async with open_services(settings, nlu=NoNlu(), create_schema=True) as services:
        sessions = services.sessions
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            async with sessions.begin() as session:
                for number in range(start, min(size, start + BATCH)):
                    rare = f"Prénom{number:05d}" if number % 1000 == 7 else NAMES[number % 10]
                    session.add(
                        Lead(
                            channel="sms",
                            first_name=rare,
                            phone=f"+3361{number:07d}",
                            commune_name=COMMUNES[number % len(COMMUNES)],
                            need=NEEDS[number % len(NEEDS)],
                        )
                    )
        written = time.perf_counter() - started
        async with sessions() as session:
            rows = int(await session.scalar(select(func.count()).select_from(LeadWord)) or 0)
        async with sessions.begin() as session:
            await session.execute(delete(Setting).where(Setting.key == search_index.STATE_KEY))
        started = time.perf_counter()
        async with sessions.begin() as session:
            await search_index.ensure_search_index(session)
        rebuilt = time.perf_counter() - started
        timings: dict[str, list[float]] = {"logement": [], "prenom00007": [], "verdun permis": []}
        found: dict[str, int] = {}
        for _ in range(rounds):
            for typed, times in timings.items():
                started = time.perf_counter()
                async with sessions() as session:
                    views = await list_leads(
                        session, LeadFilter(search=typed, newest_first=True, limit=200)
                    )
                times.append(time.perf_counter() - started)
                found[typed] = len(views)
        print(
            f"{label:<11} {size:>7,} leads  {rows / size:4.1f} words/lead  "
            f"write {written / size * 1000:5.2f} ms/lead  rebuild {rebuilt:6.2f} s"
        )
        for typed, times in timings.items():
            print(f"    {typed!r:<16} {found[typed]:>4} shown  {_ms(times)}")


async def main() -> None:
    """Parse the arguments and run every size on every database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", help="an admin URL; a throw-away database is made on it")
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            var = Path(folder)
            await run(f"sqlite+aiosqlite:///{var / 'bench.db'}", "SQLite", size, args.rounds, var)
        if args.postgres:
            name = f"bench_search_{uuid.uuid4().hex[:8]}"
            admin = create_async_engine(args.postgres, isolation_level="AUTOCOMMIT")
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                with tempfile.TemporaryDirectory() as folder:
                    url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
                    await run(url, "PostgreSQL", size, args.rounds, Path(folder))
            finally:
                async with admin.connect() as connection:
                    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                    await connection.execute(text(drop))
                await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
