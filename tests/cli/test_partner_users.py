"""``outreach-bot users add --role partner --organisation ID``: a partner's own account."""

from __future__ import annotations

import asyncio
from pathlib import Path

from outreach_bot.core.partners.directory import save_organisation
from outreach_bot.storage.session import create_engine, create_sessionmaker
from tests.cli.test_cli import run_cli


def test_a_partner_account_is_created_for_its_organisation(tmp_path: Path) -> None:
    """``users add --role partner`` needs an existing organisation; other roles take none."""
    assert run_cli(["db", "upgrade"], tmp_path).returncode == 0

    async def add_organisation() -> int:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'outreach.db'}")
        try:
            return await save_organisation(
                create_sessionmaker(engine), actor="t", user_id=None, name="CSAPA"
            )
        finally:
            await engine.dispose()

    organisation = asyncio.run(add_organisation())
    password = "partner-password-1\n"
    base = ["users", "add", "csapa@asso-test.example", "--password-stdin"]

    missing = run_cli([*base, "--role", "partner"], tmp_path, stdin=password)
    wrong = run_cli(
        [*base, "--role", "partner", "--organisation", "999"], tmp_path, stdin=password
    )
    good = run_cli(
        [*base, "--role", "partner", "--organisation", str(organisation)], tmp_path, stdin=password
    )

    assert missing.returncode != 0
    assert "--organisation" in missing.stderr
    assert wrong.returncode != 0
    assert "no partner organisation 999" in wrong.stderr
    assert good.returncode == 0, good.stderr
