"""The command's entry point: it runs from any directory, and pauses the garbage collector
for start-up only."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp

from tests.cli.test_workers import serving

GEN0 = re.compile(r'^python_gc_collections_total\{generation="0"\} ([0-9.e+]+)$', re.MULTILINE)


async def _gen0_collections(session: aiohttp.ClientSession, base: str) -> float:
    async with session.get(f"{base}/metrics") as response:  # loopback: no token needed
        assert response.status == 200
        found = GEN0.search(await response.text())
    assert found is not None
    return float(found.group(1))


def test_the_server_collects_garbage_again_once_it_serves(tmp_path: Path) -> None:
    """Paused while loading, the collector runs again while the server answers people.

    Left off, every reference cycle a message creates would stay in memory for good.
    """

    async def scenario(base: str) -> tuple[float, float]:
        async with aiohttp.ClientSession() as session:
            before = await _gen0_collections(session, base)
            for index in range(40):
                async with session.post(
                    f"{base}/webhooks/rest/webhook",
                    json={"sender": f"gc-{index % 4}", "message": "salut, je cherche un taf"},
                ) as response:
                    assert response.status == 200
            return before, await _gen0_collections(session, base)

    with serving(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'gc.db'}", "gc") as base:
        before, after = asyncio.run(scenario(base))
    assert after > before


def test_the_server_runs_from_any_directory(tmp_path: Path) -> None:
    """Started elsewhere than the project, with no content setting, the bot finds its texts
    and training data and answers (a systemd unit or a container need not ``cd`` first)."""

    async def scenario(base: str) -> list[dict[str, object]]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{base}/webhooks/rest/webhook", json={"sender": "away", "message": "salut"}
            ) as response,
        ):
            assert response.status == 200
            return list(await response.json())

    with serving(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'away.db'}", "away") as base:
        replies = asyncio.run(scenario(base))
    assert "robot" in str(replies[0]["text"]).lower()
