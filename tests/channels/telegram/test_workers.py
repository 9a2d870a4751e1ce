"""Telegram with several worker processes on PostgreSQL: one long-poller at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach_bot.app import open_services
from outreach_bot.channels import telegram
from outreach_bot.channels.telegram import TelegramChannel
from outreach_bot.storage.models import Base
from tests.channels.telegram.bot_api import FakeBotApi, text_update
from tests.channels.telegram.conftest import (
    NLU_MAPPING,
    eventually,
    stored,
    telegram_settings,
)
from tests.fakes import FakeNlu


def _polls(channel: TelegramChannel) -> bool:
    updater = channel.application.updater
    return updater is not None and updater.running


@pytest.mark.postgres
async def test_one_worker_long_polls_and_another_takes_over_when_it_stops(
    tmp_path: Path, api: FakeBotApi, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two pollers would steal each other's updates: only the leader polls; when its process
    ends, the other worker starts polling and takes the young person's message."""
    monkeypatch.setattr(telegram, "LEADER_RETRY", 0.1)
    settings = telegram_settings(tmp_path, api, database_url=postgres_url)
    nlu = FakeNlu(NLU_MAPPING)
    async with open_services(settings, nlu=nlu, create_schema=True) as second_worker:
        try:
            waiting = TelegramChannel(second_worker)
            async with open_services(settings, nlu=nlu) as first_worker:
                leader = TelegramChannel(first_worker)
                await leader.start()
                await waiting.start()
                assert _polls(leader)
                assert not _polls(waiting)
                assert waiting.live.is_set()  # it still sends, and answers webhooks
                await leader.stop()
            # The first worker's process is gone, and its lock with it.
            await eventually(lambda: _polls(waiting), what="the other worker polls")
            update = api.push(text_update("salut"))
            await eventually(
                lambda: stored(second_worker, update["update_id"]), what="the message taken"
            )
            await waiting.stop()
        finally:
            async with second_worker.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)
