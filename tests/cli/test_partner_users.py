"""``outreach-bot users add --role partner --organisation ID``: a partner's own account."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from outreach_bot.core.partners.directory import save_organisation
from outreach_bot.storage.session import create_engine, create_sessionmaker
from tests.cli.test_cli import run_main


def test_a_partner_account_is_created_for_its_organisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``users add --role partner`` needs an existing organisation; other roles take none."""

    def cli(args: list[str]) -> tuple[int, str, str]:
        return run_main(args, tmp_path, monkeypatch, capsys, stdin=password)

    password = "partner-password-1\n"
    assert cli(["db", "upgrade"])[0] == 0

    async def add_organisation() -> int:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'outreach.db'}")
        try:
            return await save_organisation(
                create_sessionmaker(engine), actor="t", user_id=None, name="CSAPA"
            )
        finally:
            await engine.dispose()

    organisation = asyncio.run(add_organisation())
    base = ["users", "add", "csapa@asso-test.example", "--password-stdin"]

    missing = cli([*base, "--role", "partner"])
    wrong = cli([*base, "--role", "partner", "--organisation", "999"])
    good = cli([*base, "--role", "partner", "--organisation", str(organisation)])

    assert missing[0] != 0
    assert "--organisation" in missing[2]
    assert wrong[0] != 0
    assert "no partner organisation 999" in wrong[2]
    assert good[0] == 0, good[2]
