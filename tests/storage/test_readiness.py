"""``/readyz`` says ready only when a message can be stored: schema, tables, a write, room."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.storage.migrate import HEAD_REVISION
from outreach_bot.storage.readiness import storage_problem
from outreach_bot.storage.session import create_engine
from tests.conftest import make_settings, renew_connections, serve, throwaway_postgres

REST = "/webhooks/rest/webhook"


async def readiness(client: Any) -> tuple[int, str]:
    response = await client.get("/readyz")
    return response.status, (await response.json())["checks"]["database"]


def on_every_connection(services: Services, *pragmas: str) -> None:
    """Run ``pragmas`` on each new SQLite connection, and drop the pooled one."""

    @event.listens_for(services.db.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()


async def test_a_database_at_the_head_revision_is_ready(client: Any, services: Services) -> None:
    """A fresh database is ready, and the probe's write left nothing behind."""
    assert await readiness(client) == (200, "ok")
    async with services.db.connect() as connection:
        probe = text("SELECT count(*) FROM settings WHERE key = 'readiness-probe'")
        assert (await connection.execute(probe)).scalar() == 0


async def test_a_dropped_table_is_not_ready(client: Any, services: Services) -> None:
    """The messages table gone (a restore that missed it): 503 naming it, as messages now fail."""
    async with services.db.begin() as connection:
        await connection.execute(text("DROP TABLE messages"))
    assert await readiness(client) == (503, "tables missing: messages")
    response = await client.post(REST, json={"sender": "a", "message": "salut"})
    assert response.status == 503


async def test_an_old_schema_is_not_ready(client: Any, services: Services) -> None:
    """A database left at an older revision (``db upgrade`` not run) is not ready."""
    async with services.db.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    status, problem = await readiness(client)
    assert status == 503
    assert problem == f"schema at 0001, expected {HEAD_REVISION}"


async def test_a_sqlite_database_that_refuses_writes_is_not_ready(services: Services) -> None:
    """A SQLite file opened read-only answers ``SELECT 1`` but refuses every write: not ready.

    Checked on an engine of its own: with the whole app on a read-only file, the outbox
    dispatcher's failing rounds leave an aiosqlite connection to the garbage collector.
    """
    path = make_url(str(services.db.url)).database
    read_only = create_engine(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert await storage_problem(read_only) == "database refuses writes"
    finally:
        await read_only.dispose()
    assert await storage_problem(services.db) is None


async def test_a_full_sqlite_database_is_not_ready(client: Any, services: Services) -> None:
    """A SQLite file that cannot grow (its size limit reached, as on a full disk) is not ready,
    and a message that needs room is indeed refused with "database or disk is full"."""
    async with services.db.connect() as connection:
        pages = (await connection.execute(text("PRAGMA page_count"))).scalar_one()
    on_every_connection(services, f"PRAGMA max_page_count = {pages}")
    renew_connections(services.db)
    assert await readiness(client) == (503, "database full: no room to write")
    with pytest.raises(OperationalError, match="full"):
        async with services.db.begin() as connection:
            await connection.execute(
                text("INSERT INTO settings (key, value) VALUES ('big', :value)"),
                {"value": "x" * 100_000},
            )


async def test_a_disk_almost_full_is_not_ready(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under half a megabyte free on the database's disk, readiness says full."""
    from outreach_bot.storage import readiness as module

    monkeypatch.setattr(module, "_disk_free", lambda _database: 100_000)
    assert await readiness(client) == (503, "database full: no room to write")


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(name="own_postgres")
def _own_postgres() -> Iterator[str]:
    """A database of this test's own: it is emptied or made read-only."""
    yield from throwaway_postgres("outreach_ready")


@pytest.fixture(name="pg_client")
async def _pg_client(
    own_postgres: str, tmp_path: Path, embedded_nlu: Any
) -> AsyncIterator[tuple[Any, Services]]:
    settings = make_settings(tmp_path, database_url=own_postgres)
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        yield client, services


async def admin_sql(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


@pytest.mark.postgres
async def test_a_postgres_database_recreated_without_tables_is_not_ready(
    own_postgres: str, pg_client: tuple[Any, Services]
) -> None:
    """The database dropped and created again empty: ``SELECT 1`` works, readiness does not."""
    client, _services = pg_client
    assert await readiness(client) == (200, "ok")
    await admin_sql(own_postgres, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
    assert await readiness(client) == (503, "no schema: run outreach-bot db upgrade")
    response = await client.post(REST, json={"sender": "a", "message": "salut"})
    assert response.status == 503


@pytest.mark.postgres
async def test_a_read_only_postgres_database_is_not_ready(
    own_postgres: str, pg_client: tuple[Any, Services]
) -> None:
    """A database that takes no writes (a replica after a failover): not ready."""
    client, services = pg_client
    name = own_postgres.rsplit("/", 1)[1]
    await admin_sql(
        own_postgres, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
    )
    renew_connections(services.db)  # new connections read the new default
    assert await readiness(client) == (503, "database refuses writes")
