"""Telegram send: the CPU one ``send_message`` costs the bot's process, by HTTP client.

Usage (from the repository root):

    .venv/bin/python benchmarks/telegram_send.py [--sends 600] [--tries 3]

A fake Bot API answers at once in a process of its own (its CPU is not counted). The bot is
built as the server builds it (PTB's ``Application``, its ``AIORateLimiter``), once with PTB's
default request (httpx) and once with ``AiohttpRequest``, the one the server uses; each sends
``--sends`` messages one after the other, to different chats, after a warm-up. Printed: the
process's CPU time per message for each, the median of ``--tries``, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time

from load import free_port
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest

from outreach_bot.channels.telegram_request import AiohttpRequest

FAKE_API = """
import sys, time
from aiohttp import web
ME = {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "b", "username": "b"}}
SENT = {"ok": True, "result": {"message_id": 1, "date": int(time.time()),
        "chat": {"id": 42, "type": "private"}, "text": "ok"}}
async def answer(request):
    await request.read()
    return web.json_response(ME if request.path.endswith("/getMe") else SENT)
app = web.Application()
app.router.add_post("/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


async def cpu_per_send(url: str, request: BaseRequest | None, sends: int) -> float:
    """Milliseconds of this process's CPU per message, ``request`` None for PTB's default."""
    builder = Application.builder().token("123:bench").base_url(url).updater(None)
    if request is not None:
        builder = builder.request(request)
    application = builder.rate_limiter(AIORateLimiter(max_retries=0)).build()
    await application.initialize()
    try:
        for chat in range(50):  # warm-up: connections open, code paths loaded
            await application.bot.send_message(chat_id=1000 + chat, text="bonjour")
        started = time.process_time()
        for chat in range(sends):
            await application.bot.send_message(chat_id=1000 + chat, text="Salut, c'est l'équipe")
        return 1000 * (time.process_time() - started) / sends
    finally:
        await application.shutdown()


async def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError("the fake Bot API did not start")


async def measure(port: int, sends: int, tries: int) -> tuple[list[float], list[float]]:
    """CPU per message with PTB's default request and with ours, ``tries`` times each."""
    await wait_for(port)
    url = f"http://127.0.0.1:{port}/bot"
    httpx_ms: list[float] = []
    aiohttp_ms: list[float] = []
    for _ in range(tries):
        httpx_ms.append(await cpu_per_send(url, None, sends))
        aiohttp_ms.append(await cpu_per_send(url, AiohttpRequest(), sends))
    return httpx_ms, aiohttp_ms


def main(sends: int, tries: int) -> None:
    port = free_port()
    api = subprocess.Popen([sys.executable, "-c", FAKE_API, str(port)])
    try:
        httpx_ms, aiohttp_ms = asyncio.run(measure(port, sends, tries))
    finally:
        api.terminate()
        api.wait()
    before, after = statistics.median(httpx_ms), statistics.median(aiohttp_ms)
    print(f"{sends} messages, median of {tries} tries, CPU of the bot's process per message")
    print("| request | CPU ms per message | tries |")
    print("|---|---:|---|")
    print(f"| PTB's default (httpx) | {before:.2f} | {', '.join(f'{v:.2f}' for v in httpx_ms)} |")
    print(f"| AiohttpRequest | {after:.2f} | {', '.join(f'{v:.2f}' for v in aiohttp_ms)} |")
    print(f"ratio: {after / before:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=600)
    parser.add_argument("--tries", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.sends, arguments.tries)
