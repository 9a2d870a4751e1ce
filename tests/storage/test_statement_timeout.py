"""A locked table makes the webhook answer 503 after the statement timeout, not hang."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from outreach_bot.app import open_services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Base
from tests.conftest import make_settings, serve


@pytest.mark.postgres
async def test_webhook_answers_503_while_a_table_is_locked(
    tmp_path: Path, postgres_url: str, embedded_nlu: NluBackend
) -> None:
    """With OUTREACH_DB_STATEMENT_TIMEOUT=1, a lock held elsewhere yields a quick 503."""
    settings = make_settings(tmp_path, database_url=postgres_url, db_statement_timeout=1.0)
    locker = create_async_engine(postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        try:
            async with serve(services) as client:
                body = {"sender": "web-locked-table-01", "message": "salut"}
                async with locker.connect() as connection:
                    transaction = await connection.begin()
                    await connection.execute(
                        text("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
                    )
                    started = time.monotonic()
                    # Without the timeout this request would wait as long as the lock is held.
                    response = await client.post(
                        "/webhooks/rest/webhook",
                        json=body,
                        timeout=aiohttp.ClientTimeout(total=30),
                    )
                    waited = time.monotonic() - started
                    assert response.status == 503, await response.text()
                    assert "retry" in (await response.json())["error"]
                    await transaction.rollback()
                print(f"answered 503 after {waited:.2f} s")  # noqa: T201 - the figure for the report
                again = await client.post("/webhooks/rest/webhook", json=body)
                assert again.status == 200
        finally:
            await locker.dispose()
            # The database is shared by the session's PostgreSQL tests: leave it empty.
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
