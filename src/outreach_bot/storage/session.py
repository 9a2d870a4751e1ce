"""Engine and session factory: one of each per process."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Imported for its listener: every session keeps the leads' search index in step.
from outreach_bot.storage import search_index  # noqa: F401

SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
"""How long a write waits for another *process* (a cron ``purge``, ``db upgrade``) to commit.

Inside the server there is only one connection (see :func:`create_engine`), so this wait only
happens across processes, which is rare and short.
"""


def create_engine(url: str, *, statement_timeout: float = 0) -> AsyncEngine:
    """Create the async engine; for SQLite, one connection, WAL, and foreign keys enforced.

    SQLite allows one writer at a time. With a pool of several connections, concurrent
    messages each hold a connection and race for the write lock; the losers sleep and retry
    inside SQLite's busy handler, which is what gave p99 above a second at ten concurrent
    senders. With a single pooled connection the requests queue instead in the pool's
    asyncio queue, in arrival order, and each one runs as soon as the previous commits: a
    message costs a few milliseconds of database work, so one writer is not the bottleneck
    (the NLU runs before the transaction opens). PostgreSQL keeps the ordinary pool.

    Per connection: ``foreign_keys=ON`` or ON DELETE CASCADE does nothing, and erasure relies
    on it; ``journal_mode=WAL`` so another process (the CLI, a backup) can read while the bot
    writes; ``synchronous=NORMAL``, which in WAL mode never corrupts the database and only
    risks the last commits on a power cut (not on a crash of the process), and saves an fsync
    per message; ``busy_timeout`` for the cross-process case above.

    On PostgreSQL, ``statement_timeout`` (seconds, 0 for none) is set for every connection:
    a statement stuck behind a lock fails after that long, and the webhook answers 503 (the
    provider retries) instead of hanging until the provider gives up.
    """
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    in_memory = parsed.database in (None, "", ":memory:")
    if is_sqlite and not in_memory and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {}
    if is_sqlite:
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if not in_memory:
            options.update(pool_size=1, max_overflow=0, pool_timeout=60)
    else:
        options["pool_pre_ping"] = True
        milliseconds = round(statement_timeout * 1000)
        options["connect_args"] = {"server_settings": {"statement_timeout": str(milliseconds)}}
    engine = create_async_engine(
        url,
        # Errors never quote bound values: some are personal data (encrypted or not).
        hide_parameters=True,
        **options,
    )
    if is_sqlite:

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so use cases can return them."""
    return async_sessionmaker(engine, expire_on_commit=False)
