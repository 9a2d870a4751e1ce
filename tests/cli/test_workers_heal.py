"""``run --workers 2`` after a PostgreSQL blip: live events and Telegram polling heal.

The test ends every server connection of the database with ``pg_terminate_backend`` (what a
restart, a failover or ``idle_session_timeout`` does to the workers). Afterwards a lead made
through one worker must still show live in the back office served by the other, and exactly
one worker must long-poll the (fake, real-HTTP) Telegram Bot API.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.channels.telegram.bot_api import Call, FakeBotApi
from tests.cli.test_cli import run_cli
from tests.cli.test_workers import (
    EVENT_TIMEOUT,
    PASSWORD,
    START_TIMEOUT,
    _children,
    _empty,
    _environment,
    _free_port,
    _next_event,
    _sign_in,
)

pytestmark = pytest.mark.postgres

HEAL_TIMEOUT = 60.0
POLLING_LINE = re.compile(r"this worker \(pid (\d+)\) (long-polls|stops long-polling) Telegram")


class WatchedBotApi(FakeBotApi):
    """The fake Bot API, counting the long polls in flight at once (two pollers overlap)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self.polls = 0

    async def _api_getUpdates(self, call: Call) -> list[dict[str, Any]]:
        self.in_flight += 1
        self.polls += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await super()._api_getUpdates(call)
        finally:
            self.in_flight -= 1


def serving_pid(client_port: int, server_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the server end of our connection from ``client_port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == server_port and (
                int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                inodes.add(f"socket:[{inode}]")
    for pid in pids:
        try:
            links = {str(fd.readlink()) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if links & inodes:
            return pid
    return None


def polling_state(log: str) -> dict[int, str]:
    """Each worker's last word on polling, by pid."""
    return {int(pid): state for pid, state in POLLING_LINE.findall(log)}


async def terminate_backends(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            ended = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    return int(ended or 0)


async def wait_for_log(path: Path, check: Any, what: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        log = path.read_text(errors="replace")
        if check(log):
            return log
        assert time.monotonic() < deadline, f"{what}:\n{log[-3000:]}"
        await asyncio.sleep(0.3)


async def test_two_workers_heal_after_the_database_ends_their_connections(
    tmp_path: Path, postgres_url: str
) -> None:
    """Backends terminated: both workers reconnect and listen again, a new lead reaches the
    other worker's live view, and exactly one worker long-polls Telegram."""
    created = run_cli(
        ["users", "add", "coord@example.org", "--role", "coordinator", "--password-stdin"],
        tmp_path,
        stdin=PASSWORD + "\n",
        OUTREACH_DATABASE_URL=postgres_url,
        OUTREACH_SECRET_KEY="test-secret-not-for-production",
    )
    assert created.returncode == 0, created.stderr
    api = WatchedBotApi()
    await api.start()
    port = _free_port()
    environment = _environment(tmp_path, postgres_url, port)
    environment.update(
        OUTREACH_TELEGRAM_TOKEN=api.token,
        OUTREACH_TELEGRAM_BASE_URL=api.base_url,
        OUTREACH_RATE_LIMIT_IP="0",
    )
    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "outreach_bot", "run", "--port", str(port), "--workers", "2"],
            env=environment,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            await wait_for_log(
                log_path,
                lambda text: (
                    "worker 1 is serving" in text
                    and "Outreach Bot is running" in text
                    and "long-polls Telegram" in text
                ),
                "the workers did not start polling",
                START_TIMEOUT,
            )
            workers = _children(process.pid)
            assert len(workers) == 2

            assert await terminate_backends(postgres_url) >= 2
            await wait_for_log(
                log_path,
                lambda text: text.count("listening again") >= 2,
                "the workers did not reconnect",
                HEAL_TIMEOUT,
            )
            log_text = await wait_for_log(
                log_path,
                lambda text: (
                    list(polling_state(text).values()).count("long-polls") == 1
                    and len(re.findall("long-polls Telegram", text)) >= 2
                ),
                "no worker took up polling again",
                HEAL_TIMEOUT,
            )
            await asyncio.sleep(3)  # would a second poller start?
            log_text = log_path.read_text(errors="replace")
            states = polling_state(log_text)
            assert list(states.values()).count("long-polls") == 1, log_text[-3000:]
            api.most_in_flight = api.in_flight
            polls = api.polls
            await asyncio.sleep(3)
            assert api.polls > polls, "nobody polls Telegram"
            assert api.most_in_flight == 1, "two workers poll Telegram at once"

            kinds = await _lead_seen_by_both_workers(port, workers)
            assert kinds == {"urgent"}
            assert log_text.count("lost the PostgreSQL connection") == 2, "logged once each"
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            await api.close()
            await _empty(postgres_url)


async def _lead_seen_by_both_workers(port: int, workers: list[int]) -> set[str]:
    """Open live feeds until each worker serves one, make an urgent lead, read every feed."""
    base = f"http://127.0.0.1:{port}"
    jar = aiohttp.CookieJar(unsafe=True)
    feeds: dict[int, aiohttp.ClientResponse] = {}
    async with aiohttp.ClientSession(cookie_jar=jar) as browser, aiohttp.ClientSession() as phone:
        await _sign_in(browser, base)
        opened = []
        for _ in range(40):
            feed = await browser.get(
                f"{base}/admin/events", headers={"Accept": "text/event-stream"}
            )
            assert feed.status == 200
            opened.append(feed)
            assert feed.connection is not None
            client_port = feed.connection.transport.get_extra_info("sockname")[1]
            pid = serving_pid(client_port, port, workers)
            if pid is not None and pid not in feeds:
                feeds[pid] = feed
            if len(feeds) == len(workers):
                break
        assert len(feeds) == len(workers), "the kernel sent every feed to one worker"
        await asyncio.sleep(0.5)  # the feeds subscribe before they answer; margin for CI
        answer = await phone.post(
            f"{base}/webhooks/rest/webhook",
            json={"sender": "young-after-blip", "message": "j'ai envie de me suicider"},
        )
        assert answer.status == 200
        assert "3114" in json.dumps(await answer.json(), ensure_ascii=False)
        kinds = set()
        for feed in feeds.values():
            kind, _ = await asyncio.wait_for(_next_event(feed), EVENT_TIMEOUT)
            kinds.add(kind)
        for feed in opened:
            feed.close()
    return kinds
