"""Measure importing a contact list of 1,000 and 10,000 invented rows, and starting it.

Usage (from the repository root):

    .venv/bin/python benchmarks/contact_list_import.py [--sizes 1000 10000] [--rounds 3]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For each database (a throw-away SQLite file, and a throw-away PostgreSQL database when
``--postgres`` is given) and each size, it imports a SIEI-like CSV (2 % bad lines, 2 %
numbers written twice) through ``import_list``, as the back office does: reading the file,
checking every line with the dialogue's parsers (phone, birth date, commune), the keyed-hash
look-ups against conversations, other lists and the do-not-contact list, and the encrypted
insert, in one transaction. It also times the check alone (``check_file``, pure CPU) and the
start of the campaign (a conversation and a scheduled message per row). Each round uses a fresh
database. It prints the median and the slowest round, with the rows per second.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scratch import NoNlu, scratch_settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from outreach_bot.app import open_services
from outreach_bot.core.contact_lists.importing import import_list
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.domain.contact_lists import ListPurpose, check_file

TODAY = date(2026, 12, 7)
MONDAY_9H = datetime(2026, 12, 7, 9, tzinfo=PARIS).astimezone(UTC)
NAMES = ("Léa", "Hugo", "Inès", "Nolan", "Jade", "Rayan", "Lina", "Enzo", "Maël", "Chloé")
COMMUNES = ("Verdun", "Stenay", "Montmédy", "55100 Verdun", "Dun-sur-Meuse", "Damvillers")


def invented_csv(size: int) -> bytes:
    """``size`` lines of invented people: every 50th line bad, every 50th a repeated number."""
    lines = ["Prénom;Téléphone;Date de naissance;Commune;Téléphone du représentant légal"]
    for index in range(size):
        if index % 50 == 7:
            lines.append(f"{NAMES[index % 10]};03 29 00 {index % 100:02d} 00;01/01/2009;Verdun;")
        elif index % 50 == 8:
            lines.append(f"{NAMES[index % 10]};06{40000000 + index - 2:08d};01/01/2009;Verdun;")
        else:
            lines.append(
                f"{NAMES[index % 10]};06{40000000 + index:08d};{1 + index % 28:02d}/03/2009;"
                f"{COMMUNES[index % len(COMMUNES)]};06 98 76 54 32"
            )
    return ("\n".join(lines) + "\n").encode()


async def one_round(url: str, data: bytes, var: Path) -> tuple[float, float, int]:
    """Import then start on a fresh database: (import seconds, start seconds, rows kept)."""
    settings = scratch_settings(var, database_url=url, team_phone="03 29 00 00 00")
    async with open_services(settings, nlu=NoNlu(), create_schema=True) as services:
        started = time.perf_counter()
        report = await import_list(
            services.sessions,
            data,
            name="Benchmark",
            purpose=ListPurpose.TRAINING_OBLIGATION,
            purge_on=TODAY + timedelta(days=180),
            imported_by=None,
            imported_by_name="benchmark",
            daily_budget=5000,
            today=TODAY,
        )
        imported = time.perf_counter() - started
        started = time.perf_counter()
        await services.first_contacts.start(report.list_id, now=MONDAY_9H)
        start = time.perf_counter() - started
    return imported, start, report.imported


async def postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"bench_lists_{uuid.uuid4().hex[:8]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


async def drop_database(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    print(
        f"{'database':<11}{'rows':>7}{'kept':>7}{'check (CPU)':>14}{'import':>16}"
        f"{'rows/s':>9}{'start':>16}"
    )
    for size in args.sizes:
        data = invented_csv(size)
        checks = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            check_file(data, today=TODAY)
            checks.append(time.perf_counter() - started)
        databases = ["SQLite"] + (["PostgreSQL"] if args.postgres else [])
        for database in databases:
            imports, starts, kept = [], [], 0
            for _ in range(args.rounds):
                with tempfile.TemporaryDirectory() as tmp:
                    if database == "SQLite":
                        url, name = f"sqlite+aiosqlite:///{tmp}/bench.db", ""
                    else:
                        url, name = await postgres_database(args.postgres)
                    try:
                        imported, start, kept = await one_round(url, data, Path(tmp))
                    finally:
                        if name:
                            await drop_database(args.postgres, name)
                imports.append(imported)
                starts.append(start)
            median = statistics.median(imports)
            print(
                f"{database:<11}{size:>7,}{kept:>7,}{statistics.median(checks):>12.2f} s"
                f"{median:>7.2f} s (max {max(imports):.2f})"
                f"{kept / median:>9,.0f}"
                f"{statistics.median(starts):>7.2f} s (max {max(starts):.2f})"
            )


if __name__ == "__main__":
    asyncio.run(main())
