"""The bot's Bot API calls over aiohttp: what PTB gets back when the API answers, stalls or is
gone, against a real HTTP server."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from outreach_bot.channels.telegram_request import AiohttpRequest

ME = {"id": 1, "is_bot": True, "first_name": "Outreach", "username": "outreach_bot"}


class Api:
    """A Bot API that answers what the test sets, and keeps what it was sent."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        self.files: list[tuple[str, bytes]] = []
        self.stall = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        method = request.path.rsplit("/", 1)[-1]
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                if part.filename:  # type: ignore[union-attr]
                    self.files.append((part.filename, await part.read()))  # type: ignore[union-attr]
        else:
            self.forms.append(dict(await request.post()))  # type: ignore[arg-type]
        await asyncio.sleep(self.stall)
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        if method == "sendMessage" and self.forms and self.forms[-1].get("text") == "":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message text is empty",
                },
                status=400,
            )
        result = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "ok"}
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, str]]:
    fake = Api()
    app = web.Application()
    app.router.add_post("/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}/bot"
    await runner.cleanup()


def bot_at(url: str) -> Bot:
    return Bot("123:token", base_url=url, request=AiohttpRequest())


async def test_a_message_is_sent_as_the_bot_api_expects_and_its_answer_read(
    api: tuple[Api, str],
) -> None:
    fake, url = api
    async with bot_at(url) as bot:
        sent = await bot.send_message(chat_id=42, text="Salut, c'est l'équipe 👋")
    assert sent.message_id == 7
    assert fake.forms[-1]["chat_id"] == "42"
    assert fake.forms[-1]["text"] == "Salut, c'est l'équipe 👋"


async def test_a_refusal_becomes_ptbs_own_error(api: tuple[Api, str]) -> None:
    """The status is PTB's to read: a 400 is BadRequest, which the outbox never retries."""
    _, url = api
    async with bot_at(url) as bot:
        with pytest.raises(BadRequest, match="text is empty"):
            await bot.send_message(chat_id=42, text="")


async def test_an_api_that_does_not_answer_in_time_is_a_timeout(api: tuple[Api, str]) -> None:
    fake, url = api
    async with bot_at(url) as bot:
        fake.stall = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(chat_id=42, text="salut", read_timeout=0.2)


async def test_an_api_that_is_gone_is_a_network_error() -> None:
    """Nothing listens on the port: a NetworkError, which the outbox retries later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = bot_at(f"http://127.0.0.1:{port}/bot")
    request = bot.request
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(chat_id=42, text="salut")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_file_goes_as_multipart(api: tuple[Api, str]) -> None:
    fake, url = api
    async with bot_at(url) as bot:
        await bot.send_document(
            chat_id=42, document=InputFile(io.BytesIO(b"%PDF-1.4 fiche"), filename="fiche.pdf")
        )
    assert fake.files == [("fiche.pdf", b"%PDF-1.4 fiche")]
