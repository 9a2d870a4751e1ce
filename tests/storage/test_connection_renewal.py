"""Renewing the connections of a running app's engine leaves none open behind.

A test that changes what new connections see (a database made read-only, its file gone) used
``engine.dispose()`` under the running app. A connection that the scheduler or the outbox had
checked out at that moment went back to the discarded pool, which nobody closes; the driver's
``ResourceWarning`` then failed whichever later test triggered a full garbage collection (in
CI, the search index test after the readiness tests). ``tests.conftest.renew_connections``
replaces the connections inside the one pool instead.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from outreach_bot.storage.session import create_engine
from tests.conftest import renew_connections, throwaway_postgres


@pytest.fixture(name="own_postgres")
def _own_postgres() -> Iterator[str]:
    yield from throwaway_postgres("outreach_renew")


async def renewed_while_one_is_checked_out(url: str, marker: str, marked: str) -> None:
    """Renew while a connection is in use; it is replaced after its return, none is left."""
    engine = create_engine(url)
    try:
        async with engine.connect() as held:  # an outbox round under way, say
            await held.execute(text(marker))
            assert await held.scalar(text(marked))
            renew_connections(engine)
            await held.rollback()
        async with engine.connect() as fresh:
            assert not await fresh.scalar(text(marked))  # a new connection, not the held one
            await fresh.rollback()
    finally:
        await engine.dispose()
    gc.collect()  # a connection left open warns here (ResourceWarning), and fails this test


@pytest.mark.postgres
async def test_renewing_postgres_connections_leaves_none_open(own_postgres: str) -> None:
    """On PostgreSQL, the connection in use is replaced after its return, and closed."""
    await renewed_while_one_is_checked_out(
        own_postgres,
        "SET SESSION application_name = 'held'",
        "SELECT current_setting('application_name') = 'held'",
    )


async def test_renewing_sqlite_connections_leaves_none_open(tmp_path: Path) -> None:
    """On SQLite, likewise: the connection in use is replaced after its return, and closed."""
    await renewed_while_one_is_checked_out(
        f"sqlite+aiosqlite:///{tmp_path / 'renew.db'}",
        "PRAGMA cache_size = 1234",
        "SELECT (SELECT cache_size FROM pragma_cache_size) = 1234",
    )
