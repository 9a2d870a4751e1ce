"""Apply Alembic migrations without an ``alembic.ini`` (configuration lives in code).

Every command upgrades the database first, so a server never runs on an old schema. Importing
Alembic (with Mako and, where installed, Pygments) took 0.5 s of each start, to find nothing to
do; so a database that already stands at :data:`HEAD_REVISION` is recognised with one query,
and Alembic is loaded only when there is something to apply.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from outreach_bot.storage.session import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

#: The newest migration in ``migrations/versions``; a test checks that it is Alembic's head.
HEAD_REVISION: Final = "0025"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config  # noqa: PLC0415 - slow to import, see above

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``.

    Blocking, and it runs its own event loop: call it outside one, or from a thread.
    """
    from alembic import command  # noqa: PLC0415 - slow to import, see above

    command.upgrade(alembic_config(url), revision)


def upgrade_if_needed(url: str) -> bool:
    """Bring the database at ``url`` to the head revision; False if it already was there.

    Blocking, like :func:`upgrade`.

    Raises:
        sqlalchemy.exc.DBAPIError: the database refuses us, or refuses writes (a read-only
            SQLite file, a PostgreSQL standby): at start-up rather than at the first message.
        OSError: the server cannot be reached, or the SQLite file's folder cannot be made.
    """
    if asyncio.run(current_revision(url, check_writable=True)) == HEAD_REVISION:
        return False
    upgrade(url)
    return True


async def current_revision(url: str, *, check_writable: bool = False) -> str | None:
    """The revision Alembic recorded in the database, or None (new database, or several).

    With ``check_writable``, a database already upgraded is also asked to write (the
    revision over itself, rolled back), so that one the bot can only read fails here.
    """
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            try:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:
                return None  # no table yet: a database never upgraded
            revisions = list(result.scalars())
            if check_writable and revisions:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = version_num")
                )
    finally:
        await engine.dispose()
    return str(revisions[0]) if len(revisions) == 1 else None


async def stamp_head(connection: AsyncConnection) -> None:
    """Record :data:`HEAD_REVISION` in a database whose tables were created from the models.

    Tests create their tables with ``create_all``, which is the schema of the head revision
    (``tests/storage/test_migrations.py`` checks that models and migrations agree); stamping
    it, as Alembic's ``stamp`` would, lets readiness check the revision everywhere alike.
    """
    await connection.execute(
        text(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    if not (await connection.execute(text("SELECT version_num FROM alembic_version"))).first():
        await connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:head)"),
            {"head": HEAD_REVISION},
        )
