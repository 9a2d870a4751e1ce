"""Whether the database can take a message now: schema current, tables there, a write possible.

``SELECT 1`` answered while every message failed: a SQLite disk full, a PostgreSQL database
re-created empty, a failover onto a read-only replica. Readiness asks what a message needs,
in one connection and a handful of statements, so a probe every few seconds stays cheap:

* the revision Alembic recorded is :data:`~outreach_bot.storage.migrate.HEAD_REVISION`;
* every table of the models exists (a table dropped by hand, a restore that missed one);
* a row can be written: an ``INSERT`` into ``settings``, rolled back, so nothing is kept (a
  read-only file or replica refuses it at once);
* on SQLite, the file can still grow: a few hundred kilobytes free on its disk and under its
  ``max_page_count``. A rolled-back insert seldom needs a new page, so it would not notice.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Final

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from outreach_bot.storage.migrate import HEAD_REVISION
from outreach_bot.storage.models import Base

logger = logging.getLogger(__name__)

MIN_FREE_BYTES: Final = 512 * 1024
"""Below this, SQLite is about to answer "database or disk is full" to the next messages."""
PROBE_KEY: Final = "readiness-probe"


async def storage_problem(engine: AsyncEngine) -> str | None:
    """What stops the database from taking a message now, in a few words; None when ready.

    Raises:
        SQLAlchemyError, OSError: the database cannot be reached at all.
    """
    async with engine.connect() as connection:
        problem = await _schema_problem(connection)
        if problem is None:
            problem = await _write_problem(connection)
        if problem is None and connection.dialect.name == "sqlite":
            problem = await _sqlite_room_problem(connection)
        await connection.rollback()
    return problem


async def _schema_problem(connection: AsyncConnection) -> str | None:
    try:
        revisions = await connection.execute(text("SELECT version_num FROM alembic_version"))
        found = list(revisions.scalars())
    except DBAPIError:
        await connection.rollback()  # PostgreSQL refuses anything else in a failed transaction
        return "no schema: run outreach-bot db upgrade"
    if found != [HEAD_REVISION]:
        return f"schema at {', '.join(found) or 'no revision'}, expected {HEAD_REVISION}"
    missing = set(Base.metadata.tables) - set(await connection.run_sync(_table_names))
    if missing:
        return f"tables missing: {', '.join(sorted(missing))}"
    return None


def _table_names(connection: Connection) -> list[str]:
    return inspect(connection).get_table_names()


async def _write_problem(connection: AsyncConnection) -> str | None:
    try:
        await connection.execute(
            text("INSERT INTO settings (key, value) VALUES (:key, :value)"),
            {"key": PROBE_KEY, "value": ""},
        )
    except DBAPIError as error:
        # The driver's message names the cause ("attempt to write a readonly database",
        # "cannot execute INSERT in a read-only transaction") and quotes no value.
        logger.warning("readiness: a write was refused (%s)", type(error.orig).__name__)
        return "database refuses writes"
    finally:
        await connection.rollback()
    return None


async def _sqlite_room_problem(connection: AsyncConnection) -> str | None:
    pragmas = {}
    for name in ("page_size", "page_count", "max_page_count", "freelist_count"):
        pragmas[name] = int((await connection.execute(text(f"PRAGMA {name}"))).scalar_one())
    free_pages = pragmas["max_page_count"] - pragmas["page_count"] + pragmas["freelist_count"]
    room = free_pages * pragmas["page_size"]
    database = connection.engine.url.database
    if database and database != ":memory:":
        disk_free = _disk_free(database)
        room = min(room, disk_free + pragmas["freelist_count"] * pragmas["page_size"])
    if room < MIN_FREE_BYTES:
        return "database full: no room to write"
    return None


def _disk_free(database: str) -> int:
    """Free bytes on the SQLite file's disk: one ``statvfs``, as quick as a PRAGMA."""
    return shutil.disk_usage(Path(database).absolute().parent).free
