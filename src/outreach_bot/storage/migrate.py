"""Apply Alembic migrations without an ``alembic.ini`` (configuration lives in code).

Every ``outreach-bot run`` upgrades the database first, and nearly always it is already up
to date. Importing Alembic costs about 0.3 s and 11 MB (it brings Mako, and Pygments when
installed) that the server would keep for its whole life, so :func:`upgrade` first compares
the database's revision with the newest migration, read from the scripts' source, and
imports Alembic only when they differ or when it cannot tell.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import inspect, text

from outreach_bot.storage.session import create_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS: Final = Path(__file__).parent / "migrations"
VERSION_TABLE: Final = "alembic_version"
"""Alembic's default, which ``migrations/env.py`` keeps."""


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config  # noqa: PLC0415 - see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; nothing to import when already at head.

    Blocking, and it runs its own event loop: call it outside one, or from a thread.
    """
    if revision == "head":
        heads = head_revisions()
        if heads and asyncio.run(_revisions(url)) == heads:
            return
    from alembic import command  # noqa: PLC0415 - see the module docstring

    command.upgrade(alembic_config(url), revision)


def head_revisions(versions: Path = MIGRATIONS / "versions") -> frozenset[str]:
    """The revisions no other migration revises, read from the scripts without running them.

    Empty when a script does not state ``revision`` and ``down_revision`` as plain literals,
    so that :func:`upgrade` then leaves the decision to Alembic.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in versions.glob("*.py"):
        found = _literals(script, ("revision", "down_revision"))
        if not isinstance(found.get("revision"), str) or "down_revision" not in found:
            return frozenset()
        revisions.add(str(found["revision"]))
        down = found["down_revision"]
        if isinstance(down, str):
            revised.add(down)
        elif isinstance(down, tuple | list):
            revised.update(str(name) for name in down)
        elif down is not None:
            return frozenset()
    return frozenset(revisions - revised)


def _literals(script: Path, names: tuple[str, ...]) -> dict[str, object]:
    """The module-level ``name = <literal>`` (or ``name: T = <literal>``) of ``script``."""
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            try:
                found[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError):  # not a literal: Alembic will tell
                return {}
    return found


async def _revisions(url: str) -> frozenset[str]:
    """The revisions the database is at; empty for a database Alembic never touched."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_read_revisions)
    finally:
        await engine.dispose()


def _read_revisions(connection: Connection) -> frozenset[str]:
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - a constant name
    return frozenset(str(row[0]) for row in connection.execute(query))
