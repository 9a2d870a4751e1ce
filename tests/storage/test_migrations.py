"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from outreach_bot.storage.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    upgrade,
    upgrade_if_needed,
)


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


def test_head_revision_is_the_newest_migration(tmp_path: Path) -> None:
    """The revision that lets a start skip Alembic is the last one written (bump it with each)."""
    from alembic.script import ScriptDirectory

    config = alembic_config(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_a_start_upgrades_only_a_database_that_needs_it(tmp_path: Path) -> None:
    """A new or older database is upgraded at start; one already at the head is left alone."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'older.db'}"
    assert asyncio.run(current_revision(url)) is None
    upgrade(url, "0006")
    assert asyncio.run(current_revision(url)) == "0006"
    assert upgrade_if_needed(url) is True
    assert asyncio.run(current_revision(url)) == HEAD_REVISION
    command.check(alembic_config(url))
    assert upgrade_if_needed(url) is False


@pytest.mark.postgres
async def test_migrations_match_models_on_postgresql(postgres_url: str) -> None:
    """The same migrations work on PostgreSQL, and a start then finds nothing to apply."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    await asyncio.to_thread(_upgrade_and_check, postgres_url)
    assert await asyncio.to_thread(upgrade_if_needed, postgres_url) is False
    engine = create_async_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def test_0002_links_old_unknown_messages_and_drops_those_of_erased_people(tmp_path: Path) -> None:
    """Gaps stored before 0002 are tied to their conversation; orphans of an erasure go."""
    import sqlite3

    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0001")
    kept_at, erased_at = "2026-11-30 10:00:00.123456", "2026-11-30 11:00:00.654321"
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO conversations (id, channel, sender_hash, locale, urgent, opted_out,"
            " unreachable, created_at, last_message_at)"
            " VALUES (7, 'sms', 'h', 'fr', 0, 0, 0, ?, ?)",
            (kept_at, kept_at),
        )
        db.execute(
            "INSERT INTO messages (conversation_id, direction, author, text, created_at)"
            " VALUES (7, 'in', 'young_person', 'x', ?)",
            (kept_at,),
        )
        for at in (kept_at, erased_at):
            db.execute("INSERT INTO nlu_gaps (text, created_at) VALUES ('x', ?)", (at,))
    upgrade(url)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT conversation_id, created_at FROM nlu_gaps").fetchall()
    assert rows == [(7, kept_at)]


@pytest.mark.postgres
async def test_0002_links_old_unknown_messages_on_postgresql(postgres_url: str) -> None:
    """The same linking and clean-up of old gaps works on PostgreSQL."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    await asyncio.to_thread(upgrade, postgres_url, "0001")
    kept_at = datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=UTC)
    erased_at = datetime(2026, 11, 30, 11, 0, 0, 654321, tzinfo=UTC)
    engine = create_async_engine(postgres_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO conversations (id, channel, sender_hash, locale, urgent,"
                    " opted_out, unreachable, created_at, last_message_at)"
                    " VALUES (7, 'sms', 'h', 'fr', false, false, false, :at, :at)"
                ),
                {"at": kept_at},
            )
            await connection.execute(
                text(
                    "INSERT INTO messages (conversation_id, direction, author, text, created_at)"
                    " VALUES (7, 'in', 'young_person', 'x', :at)"
                ),
                {"at": kept_at},
            )
            for at in (kept_at, erased_at):
                await connection.execute(
                    text("INSERT INTO nlu_gaps (text, created_at) VALUES ('x', :at)"), {"at": at}
                )
        await asyncio.to_thread(upgrade, postgres_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT conversation_id FROM nlu_gaps"))).all()
        assert [tuple(row) for row in rows] == [(7,)]
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
