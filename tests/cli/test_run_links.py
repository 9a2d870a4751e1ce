"""The links ``outreach-bot run`` prints for the operator lead to the server it started."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp

from tests.cli.test_workers import serving

SETUP_LINK = re.compile(r"^\s*(http\S*/admin/setup\?token=\S+)$", re.MULTILINE)
PRINT_TIMEOUT = 30.0


def _printed_setup_link(log: Path) -> str:
    """The first admin's link, printed just after the server starts listening."""
    deadline = time.monotonic() + PRINT_TIMEOUT
    while not (found := SETUP_LINK.search(log.read_text())):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    return found.group(1)


async def _open(link: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(link) as response,
    ):
        return response.status, await response.text()


def test_the_setup_link_uses_the_port_the_server_listens_on(tmp_path: Path) -> None:
    """Started with ``--port`` and no OUTREACH_PUBLIC_URL, the first-admin link printed on
    the console opens that server's set-up page, not a page on the default port 8080."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'links.db'}"
    with serving(tmp_path, database_url, "links", public_url=False) as base:
        link = _printed_setup_link(tmp_path / "links.log")
        assert link.startswith(f"{base}/admin/setup?token=")
        status, page = asyncio.run(_open(link))
    assert status == 200
    assert "Créer le premier compte admin" in page
