"""Shared fixtures: settings on a fresh database, services, and an HTTP client on the real app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from outreach_bot.app import create_web_app, open_services
from outreach_bot.config import Settings
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from tests.smtp import Inbox, local_smtp

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "OUTREACH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for one test: its own var dir and database, the project's content and data."""
    values: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "content_dir": ROOT / "bot",
        "nlu_data": ROOT / "nlu" / "data",
        "secret_key": "test-secret-not-for-production",
        "public_url": "http://127.0.0.1:8080/",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def embedded_nlu(tmp_path_factory: pytest.TempPathFactory) -> NluBackend:
    """The real embedded classifier, trained once per test session on nlu/data."""
    from outreach_bot.nlu.embedded import EmbeddedNlu

    return EmbeddedNlu.from_path(
        ROOT / "nlu" / "data", cache_dir=tmp_path_factory.mktemp("nlu-cache")
    )


def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database's URL, dropped afterwards (skips without a server)."""
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session."""
    yield from throwaway_postgres("outreach_test")


@pytest.fixture(name="settings")
def _settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(name="services")
async def _services(settings: Settings, embedded_nlu: NluBackend) -> AsyncIterator[Services]:
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


@pytest.fixture(name="client")
async def _client(services: Services, aiohttp_client: object) -> TestClient:  # type: ignore[type-arg]
    return await aiohttp_client(create_web_app(services))  # type: ignore[operator,no-any-return]


@contextlib.asynccontextmanager
async def serve(services: Services) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The real app on a real port, for a test that opens its own services: closed first.

    ``aiohttp_client`` closes its app only at fixture teardown, after the test's own
    ``async with open_services`` has disposed of the engine. Meanwhile the app's background
    loops (outbox, scheduler) open connections on a fresh pool that nobody closes, and asyncpg
    warns when the garbage collector finds them, minutes later, in some other test.
    """
    client: TestClient = TestClient(TestServer(create_web_app(services)))  # type: ignore[type-arg]
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def renew_connections(engine: AsyncEngine) -> None:
    """From now on, each connection the pool opened before this call is closed at its next
    checkout and replaced by a new one (which reads a changed database default, a new file).

    Not ``engine.dispose()`` under a running app: a connection its outbox or scheduler had
    checked out at that moment goes back to the discarded pool, which nobody closes, and the
    driver warns when the garbage collector finds it, during some later test.
    """
    renewed_at = time.monotonic()

    @event.listens_for(engine.sync_engine, "connect")
    def _opened(_dbapi_connection: object, record: Any) -> None:
        record.info["opened_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _renew(_dbapi_connection: object, record: Any, _proxy: object) -> None:
        if record.info.get("opened_at", -1.0) <= renewed_at:
            raise DisconnectionError("opened before renew_connections")  # the pool replaces it


@pytest.fixture(autouse=True)
def _postgres_leaves_no_connection(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a PostgreSQL test, collect the garbage: a connection it left unclosed fails it,
    by name, instead of an unrelated test that happens to trigger the next full collection."""
    yield
    if request.node.get_closest_marker("postgres") is not None:
        gc.collect()


@pytest.fixture(name="smtp")
def _smtp() -> Iterator[Inbox]:
    """A real local SMTP server (aiosmtpd); ``smtp.settings()`` points Settings at it."""
    with local_smtp() as server:
        yield server
