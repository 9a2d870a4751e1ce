"""A scheduler worker process for the crash and two-worker tests (not a test module).

Usage: ``python -m tests.core.schedule.worker DATABASE_URL VAR_DIR BATCH``. It prints "ready",
waits for a line on its standard input (so that two workers start ticking together), then
ticks with the clock frozen on a Tuesday at 10:00 Paris time until nothing is due for a few
ticks in a row, and prints how many messages it queued. Killed with SIGKILL, it prints nothing.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from outreach_bot.app import open_services
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.schedule import Scheduler
from tests.conftest import make_settings
from tests.fakes import FakeNlu

NOW = datetime(2030, 1, 8, 10, tzinfo=PARIS).astimezone(UTC)


async def work(url: str, var: Path, batch: int) -> int:
    settings = make_settings(var, database_url=url)
    queued = 0
    idle = 0
    async with open_services(settings, nlu=FakeNlu()) as services:
        scheduler = Scheduler(services.sessions, services.content, services.rules, batch=batch)
        print("ready", flush=True)  # noqa: T201 - the test reads it
        await asyncio.to_thread(sys.stdin.readline)  # the starting signal
        while idle < 5:
            sent = await scheduler.tick(now=NOW)
            queued += sent
            idle = 0 if sent else idle + 1
            await asyncio.sleep(0 if sent else 0.05)
    return queued


if __name__ == "__main__":
    total = asyncio.run(work(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
    print(f"queued {total}", flush=True)  # noqa: T201 - the test reads it
