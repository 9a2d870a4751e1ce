"""Measure what one abusive client gets through: a chat flood and parallel password guesses.

Usage (from the repository root):

    .venv/bin/python benchmarks/abuse.py [--messages 3000] [--concurrency 20] [--logins 40]

Serves the real application on a loopback port over a throw-away SQLite database, with the
default settings (rate limits, argon2 parameters) unless OUTREACH_* variables say otherwise,
then, from one address:

* sends ``--messages`` REST messages, each from a new sender id (the flood that once opened
  3,000 conversations in 46 s), and counts answered (200) and refused (429) messages;
* sends ``--logins`` wrong passwords for one account at once, and counts how many were
  checked (401) and how many were refused before any check (429).

Traffic goes only to 127.0.0.1, bounded in count; the script stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from scratch import scratch_settings, served

from outreach_bot.app import open_services
from outreach_bot.core.staff.accounts import add_user

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


async def flood(base: str, messages: int, concurrency: int) -> tuple[Counter[int], float]:
    """``messages`` webhook posts from new senders, ``concurrency`` at a time."""
    statuses: Counter[int] = Counter()
    queue = iter(range(messages))
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            for number in queue:
                body = {"sender": f"web-flood-{number:08d}", "message": "salut"}
                async with http.post(f"{base}/webhooks/rest/webhook", json=body) as response:
                    await response.read()
                    statuses[response.status] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, time.perf_counter() - started


async def guesses(base: str, email: str, count: int) -> Counter[int]:
    """``count`` wrong passwords for ``email``, all sent at once."""
    statuses: Counter[int] = Counter()
    # unsafe=True: keep the session cookie (and its CSRF token) for an IP address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/admin/login") as page:
            match = CSRF_RE.search(await page.text())
            assert match, "no CSRF token on the sign-in page"  # noqa: S101 - a script
            csrf = match.group(1)

        async def attempt(number: int) -> None:
            form = {"csrf": csrf, "email": email, "password": f"wrong guess {number}"}
            async with http.post(
                f"{base}/admin/login", data=form, allow_redirects=False
            ) as response:
                await response.read()
                statuses[response.status] += 1

        await asyncio.gather(*(attempt(number) for number in range(count)))
    return statuses


async def main() -> None:
    """Serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--logins", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = scratch_settings(Path(tmp))
        async with open_services(settings, create_schema=True) as services:
            email = "bench@example.org"
            await add_user(services.sessions, email, role="counsellor", password="x" * 16)
            async with served(services) as base:
                statuses, seconds = await flood(base, args.messages, args.concurrency)
                print(
                    f"flood: {args.messages} messages from new senders in {seconds:.1f} s: "
                    f"{statuses[200]} answered, {statuses[429]} refused (429), "
                    f"other {sum(statuses.values()) - statuses[200] - statuses[429]}"
                )
                logins = await guesses(base, email, args.logins)
                print(
                    f"logins: {args.logins} parallel wrong passwords: {logins[401]} checked "
                    f"(401), {logins[429]} refused before checking (429)"
                )


if __name__ == "__main__":
    asyncio.run(main())
