"""Engine and session factory: one of each per process."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str, *, statement_timeout: float = 0) -> AsyncEngine:
    """Create the async engine; for SQLite, make sure the folder exists and enforce foreign keys.

    SQLite needs ``PRAGMA foreign_keys=ON`` per connection or ON DELETE CASCADE does nothing, and
    erasure relies on it. WAL mode lets the back office read while the bot writes.

    On PostgreSQL, ``statement_timeout`` (seconds, 0 for none) is set for every connection:
    a statement stuck behind a lock fails after that long, and the webhook answers 503 (the
    provider retries) instead of hanging until the provider gives up.
    """
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, object] = {"timeout": 30}
    if not is_sqlite:
        milliseconds = round(statement_timeout * 1000)
        connect_args = {"server_settings": {"statement_timeout": str(milliseconds)}}
    engine = create_async_engine(
        url,
        pool_pre_ping=not is_sqlite,
        connect_args=connect_args,
        # Errors never quote bound values: some are personal data (encrypted or not).
        hide_parameters=True,
    )
    if is_sqlite:

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so use cases can return them."""
    return async_sessionmaker(engine, expire_on_commit=False)
