"""What `run` prints once it serves: a database that blinks then does not stop the server."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from outreach_bot.cli import _print_setup_link
from tests.conftest import make_settings


async def test_a_database_failing_while_the_setup_link_is_issued_leaves_the_server_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A restart or failover right as a worker starts (seen when a two-worker test ended the
    database's connections): the link is skipped with a warning, the worker keeps serving."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")
    services = SimpleNamespace(sessions=async_sessionmaker(engine))
    try:
        with caplog.at_level(logging.WARNING):
            await _print_setup_link(make_settings(tmp_path), services)
    finally:
        await engine.dispose()

    assert "could not check for a back-office account (OperationalError)" in caplog.text
    assert "admin/setup" not in capsys.readouterr().out
