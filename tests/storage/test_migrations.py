"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from outreach_bot.storage.migrate import alembic_config, upgrade


def _upgrade_and_check(url: str) -> None:
    upgrade(url)
    command.check(alembic_config(url))  # raises if the models differ from the migrations


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    """``db upgrade`` on a fresh SQLite file yields exactly the models' schema."""
    _upgrade_and_check(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    """Running the upgrade again (as every ``run`` does) changes nothing."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
    upgrade(url)
    _upgrade_and_check(url)


@pytest.mark.postgres
async def test_migrations_match_models_on_postgresql(postgres_url: str) -> None:
    """The same migrations work on PostgreSQL."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    await asyncio.to_thread(_upgrade_and_check, postgres_url)
    engine = create_async_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
