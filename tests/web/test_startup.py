"""What a starting server loads: a channel's library only when that channel is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from outreach_bot.storage.migrate import upgrade
from tests.conftest import ROOT

# Does what `outreach-bot run` does before serving (upgrade, services, web app) in a fresh
# interpreter, configured by the environment, and says which of these libraries it imported.
BUILD_SERVER = """
import asyncio, json, sys
from outreach_bot import app
from outreach_bot.config import Settings
from outreach_bot.nlu.base import Prediction
from outreach_bot.storage.migrate import upgrade_if_needed

class Nlu:
    name = "none"

    async def parse(self, text):
        return Prediction("out_of_scope", 0.0, backend="none")


async def build(settings):
    async with app.open_services(settings, nlu=Nlu()) as services:
        app.create_web_app(services)

settings = Settings()
upgrade_if_needed(settings.effective_database_url)
asyncio.run(build(settings))
print(json.dumps(sorted(m for m in sys.argv[1:] if m in sys.modules)))
"""
LIBRARIES = ("telegram", "twilio", "holidays", "alembic")
TELEGRAM_AND_TWILIO = {
    "OUTREACH_TELEGRAM_TOKEN": "123:TEST",
    "OUTREACH_SMS_PROVIDER": "twilio",
    "OUTREACH_TWILIO_ACCOUNT_SID": "AC0123",
    "OUTREACH_TWILIO_AUTH_TOKEN": "test-token",
    "OUTREACH_TWILIO_FROM": "+33939000000",
}


@pytest.mark.parametrize(
    ("configured", "expected"),
    [({}, []), (TELEGRAM_AND_TWILIO, ["telegram", "twilio"])],
    ids=["nothing", "telegram-and-twilio"],
)
def test_a_channel_library_is_loaded_only_for_a_configured_channel(
    tmp_path: Path, configured: dict[str, str], expected: list[str]
) -> None:
    """A bot without Telegram or SMS starts without their libraries (python-telegram-bot is
    18 MB), nor Alembic when the database is up to date; a configured one loads them. The
    holiday calendar waits for the first time a sending rule is checked, on any channel."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    upgrade(database_url)
    env = {name: value for name, value in os.environ.items() if not name.startswith("OUTREACH_")}
    env.update(
        OUTREACH_VAR_DIR=str(tmp_path / "var"),
        OUTREACH_DATABASE_URL=database_url,
        OUTREACH_CONTENT_DIR=str(ROOT / "bot"),
        OUTREACH_SECRET_KEY="test-secret-not-for-production",
        **configured,
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", BUILD_SERVER, *LIBRARIES],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=tmp_path,  # no .env of the developer's
        env=env,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == expected
