"""Several ``outreach-bot run`` processes on one database: refused on SQLite, one team on
PostgreSQL (a message taken by one process shows in the live view served by another)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.cli.test_cli import run_cli
from tests.web.admin.conftest import csrf_of

PASSWORD = "a long test password"
START_TIMEOUT = 240.0
EVENT_TIMEOUT = 30.0


def test_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    """SQLite has one writer: ``--workers 2`` stops at once and says what to use instead."""
    result = run_cli(["run", "--workers", "2"], tmp_path)
    assert result.returncode == 2
    assert "--workers needs PostgreSQL" in result.stderr
    assert "OUTREACH_DATABASE_URL" in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(
    tmp_path: Path, database_url: str, port: int, *, public_url: bool = True
) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("OUTREACH_")
    }
    environment.update(
        OUTREACH_DATABASE_URL=database_url,
        OUTREACH_VAR_DIR=str(tmp_path / "var"),
        OUTREACH_SECRET_KEY="test-secret-not-for-production",
    )
    if public_url:
        environment["OUTREACH_PUBLIC_URL"] = f"http://127.0.0.1:{port}/"
    return environment


@contextmanager
def serving(
    tmp_path: Path, database_url: str, name: str, *, public_url: bool = True
) -> Iterator[str]:
    """A real ``outreach-bot run`` process; yields its base URL once it answers /healthz.

    Its output goes to ``NAME.log`` in ``tmp_path``; ``public_url=False`` leaves
    OUTREACH_PUBLIC_URL unset.
    """
    port = _free_port()
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "outreach_bot", "run", "--port", str(port)],
        env=_environment(tmp_path, database_url, port, public_url=public_url),
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


async def _sign_in(session: aiohttp.ClientSession, base: str) -> None:
    page = await session.get(f"{base}/admin/login")
    response = await session.post(
        f"{base}/admin/login",
        data={
            "csrf": csrf_of(await page.text()),
            "email": "coord@example.org",
            "password": PASSWORD,
            "next": "/admin/",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


async def _next_event(response: aiohttp.ClientResponse) -> tuple[str, dict[str, object]]:
    """The next event of a live feed (heartbeats skipped)."""
    kind = ""
    while True:
        line = (await response.content.readline()).decode().strip()
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind:
            return kind, json.loads(line.removeprefix("data: "))


@pytest.mark.postgres
async def test_a_message_to_one_process_shows_in_the_live_view_of_another(
    tmp_path: Path, postgres_url: str
) -> None:
    """Process A takes a young person's message; a coordinator watching process B sees it.

    The crisis message makes an urgent lead in A; the event reaches B through PostgreSQL
    LISTEN/NOTIFY, and B's back-office live feed shows it with no reload.
    """
    try:
        kind, data = await _post_to_a_and_watch_b(tmp_path, postgres_url)
    finally:
        await _empty(postgres_url)  # the database is shared by the session's other tests
    assert kind == "urgent"
    assert data["urgent"] is True
    assert isinstance(data["lead_id"], int)


async def _empty(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def _post_to_a_and_watch_b(
    tmp_path: Path, postgres_url: str
) -> tuple[str, dict[str, object]]:
    created = run_cli(
        ["users", "add", "coord@example.org", "--role", "coordinator", "--password-stdin"],
        tmp_path,
        stdin=PASSWORD + "\n",
        OUTREACH_DATABASE_URL=postgres_url,
        OUTREACH_SECRET_KEY="test-secret-not-for-production",
    )
    assert created.returncode == 0, created.stderr
    with (
        serving(tmp_path, postgres_url, "a") as process_a,
        serving(tmp_path, postgres_url, "b") as process_b,
    ):
        jar = aiohttp.CookieJar(unsafe=True)
        async with (
            aiohttp.ClientSession(cookie_jar=jar) as browser,
            aiohttp.ClientSession() as phone,
        ):
            await _sign_in(browser, process_b)
            feed = await browser.get(
                f"{process_b}/admin/events", headers={"Accept": "text/event-stream"}
            )
            assert feed.status == 200
            await asyncio.sleep(0.5)  # the feed subscribes before it answers; margin for CI
            answer = await phone.post(
                f"{process_a}/webhooks/rest/webhook",
                json={"sender": "young-a", "message": "j'ai envie de me suicider"},
            )
            assert answer.status == 200
            assert "3114" in json.dumps(await answer.json(), ensure_ascii=False)
            event = await asyncio.wait_for(_next_event(feed), EVENT_TIMEOUT)
            feed.close()
    return event


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _two_workers(
    tmp_path: Path, postgres_url: str, port: int, log: BinaryIO
) -> subprocess.Popen[bytes]:
    """``run --workers 2`` on ``port``, its output in ``log``."""
    return subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "outreach_bot", "run", "--port", str(port), "--workers", "2"],
        env=_environment(tmp_path, postgres_url, port),
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _until_both_serve(process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while "worker 1 is serving" not in log_path.read_text(errors="replace") or (
        "Outreach Bot is running" not in log_path.read_text(errors="replace")
    ):
        assert process.poll() is None, log_path.read_text(errors="replace")
        assert time.monotonic() < deadline, "the workers did not start"
        await asyncio.sleep(0.3)


@pytest.mark.postgres
async def test_run_with_two_workers_answers_and_stops_as_one(
    tmp_path: Path, postgres_url: str
) -> None:
    """``run --workers 2`` serves from two processes on one port; stopping it stops both."""
    port = _free_port()
    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log:
        process = _two_workers(tmp_path, postgres_url, port, log)
        try:
            await _until_both_serve(process, log_path)
            workers = _children(process.pid)
            assert len(workers) == 2
            async with aiohttp.ClientSession() as phone:
                for index in range(6):  # new connections: the kernel spreads them
                    answer = await phone.post(
                        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                        json={"sender": f"young-{index}", "message": "salut"},
                    )
                    assert answer.status == 200
                    assert await answer.json()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
            await asyncio.sleep(0.5)
            assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            await _empty(postgres_url)


@pytest.mark.postgres
async def test_a_killed_worker_is_replaced_and_the_port_keeps_answering(
    tmp_path: Path, postgres_url: str
) -> None:
    """``kill -9`` of one worker: the other keeps answering, the parent names the dead worker
    in its log and forks a new one, and the set serves from two processes again."""
    port = _free_port()
    log_path = tmp_path / "workers.log"
    with log_path.open("wb") as log:
        process = _two_workers(tmp_path, postgres_url, port, log)
        try:
            await _until_both_serve(process, log_path)
            workers = _children(process.pid)
            assert len(workers) == 2
            victim = max(workers)
            os.kill(victim, signal.SIGKILL)
            # What was in flight to the victim, or queued on its socket, is lost with it (the
            # client or provider retries); from its death on, every new connection is served.
            while Path(f"/proc/{victim}").exists():
                await asyncio.sleep(0.01)
            answers = []
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True)  # a new connection each time
            ) as phone:
                deadline = time.monotonic() + START_TIMEOUT
                while True:
                    answer = await phone.post(
                        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                        json={"sender": f"young-{len(answers)}", "message": "salut"},
                    )
                    answers.append(answer.status)
                    replacements = [pid for pid in _children(process.pid) if pid not in workers]
                    if (
                        replacements
                        and log_path.read_text(errors="replace").count("is serving")
                        + log_path.read_text(errors="replace").count("Outreach Bot is running")
                        >= 3
                    ):
                        break
                    assert time.monotonic() < deadline, log_path.read_text(errors="replace")
                    await asyncio.sleep(0.1)
            assert set(answers) == {200}
            log_text = log_path.read_text(errors="replace")
            assert f"(pid {victim}) was killed by SIGKILL; starting a new worker" in log_text
            assert process.poll() is None, "the set stopped"
            assert len(_children(process.pid)) == 2
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            await _empty(postgres_url)
