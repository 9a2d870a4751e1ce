"""Fixtures for the Telegram channel: a fake Bot API, and the real app running against it."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.app import open_services
from outreach_bot.channels.telegram import SECRET_HEADER, webhook_secret
from outreach_bot.channels.telegram_mode import WEBHOOK_PATH
from outreach_bot.config import Settings
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Direction, Message, OutboxItem, OutboxStatus
from tests.channels.telegram.bot_api import CHAT_ID, Call, FakeBotApi, callback_update, text_update
from tests.conftest import make_settings, serve
from tests.fakes import FakeNlu

TEAM_CHAT_ID = -1001987654321
NLU_MAPPING = {
    "salut": "greet",
    "je cherche du boulot vers verdun": "find_job",
    "c'est quoi le contrat d'engagement jeune ?": "cej",
}
"""The few free texts whose intent matters; form answers are parsed by the engine itself."""


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as an int; opting in to its future
    # timedelta form keeps warnings-as-errors quiet. Production code handles both forms.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture(name="api")
async def _api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


def telegram_settings(tmp_path: Path, api: FakeBotApi, **overrides: object) -> Settings:
    """Settings pointing the bot at the fake API, with no per-chat pacing to keep tests fast."""
    values: dict[str, object] = {
        "telegram_token": api.token,
        "telegram_base_url": api.base_url,
        "telegram_chat_interval": 0.0,
        "telegram_team_chat_id": TEAM_CHAT_ID,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


@asynccontextmanager
async def telegram_services(settings: Settings) -> AsyncIterator[Services]:
    async with open_services(settings, nlu=FakeNlu(NLU_MAPPING), create_schema=True) as services:
        yield services


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, timeout: float = 5.0, what: str = ""
) -> None:
    """Wait until ``check`` holds, polling briefly; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


async def stored(services: Services, update_id: int) -> bool:
    """Whether the core has stored the inbound message of ``update_id``."""
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count(Message.id)).where(
                Message.direction == Direction.INBOUND,
                Message.channel_message_id == str(update_id),
            )
        )
    return bool(count)


async def outbox_idle(services: Services) -> bool:
    """Whether nothing is left to send now."""
    async with services.sessions() as session:
        count = await session.scalar(
            select(func.count(OutboxItem.id)).where(
                OutboxItem.status.in_([OutboxStatus.PENDING, "sending"])
            )
        )
    return not count


Deliver = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class TelegramUser:
    """A young person on Telegram, talking to the real app through the fake Bot API."""

    api: FakeBotApi
    services: Services
    deliver: Deliver
    chat_id: int = CHAT_ID
    first_name: str = "Léa"

    async def send(self, update: dict[str, Any], *, drain: bool = True) -> list[str]:
        """Deliver an update that the core stores; return the texts the bot sent back.

        ``drain=False`` when the test runs the outbox itself.
        """
        mark = len(self.api.calls)
        update = await self.deliver(update)
        await eventually(
            lambda: stored(self.services, update["update_id"]), what="the update to be stored"
        )
        if drain:
            await eventually(lambda: outbox_idle(self.services), what="the outbox to drain")
        return [call.params["text"] for call in self.api.sent(self.chat_id, since=mark)]

    async def say(self, text: str) -> list[str]:
        return await self.send(text_update(text, chat_id=self.chat_id, first_name=self.first_name))

    def last_keyboard(self, payload: str) -> Call:
        """The latest message to this chat whose keyboard offers ``payload``."""
        for call in reversed(self.api.sent(self.chat_id)):
            if any(button["callback_data"] == payload for button in call.buttons()):
                return call
        raise AssertionError(f"no button {payload!r} was offered")

    async def tap(self, payload: str) -> list[str]:
        return await self.send(callback_update(self.last_keyboard(payload), payload))


@dataclass
class Harness:
    """The running app, the fake API and a young person."""

    api: FakeBotApi
    services: Services
    client: TestClient  # type: ignore[type-arg]
    user: TelegramUser


@pytest.fixture(name="polling")
async def _polling(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    async with (
        telegram_services(telegram_settings(tmp_path, api)) as services,
        serve(services) as client,
    ):

        async def deliver(update: dict[str, Any]) -> dict[str, Any]:
            return api.push(update)

        user = TelegramUser(api, services, deliver)
        yield Harness(api, services, client, user)


@pytest.fixture(name="webhook")
async def _webhook(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    settings = telegram_settings(tmp_path, api, telegram_webhook=True)
    async with telegram_services(settings) as services, serve(services) as client:
        secret = webhook_secret(settings, services.secret)

        async def deliver(update: dict[str, Any]) -> dict[str, Any]:
            update = dict(update, update_id=api.next_update_id())
            response = await client.post(
                WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret}
            )
            assert response.status == 200, await response.text()
            return update

        user = TelegramUser(api, services, deliver)
        yield Harness(api, services, client, user)


class ManualClock:
    """Real time plus an offset the test moves, so a retry due in 5 s takes no time."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def manual_dispatcher(services: Services, clock: ManualClock) -> OutboxDispatcher:
    """An outbox dispatcher the test runs round by round."""
    return OutboxDispatcher(services.sessions, services.outbound, clock=clock)
