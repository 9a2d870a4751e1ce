"""A throw-away Outreach Bot for the benchmarks: settings over a scratch folder, an NLU that is
never asked, and the real app served on a free loopback port.

The benchmarks run as scripts (``.venv/bin/python benchmarks/NAME.py``), so they import this
module by its bare name, like ``delivery.py`` imports ``load``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from outreach_bot.app import create_web_app
from outreach_bot.config import Settings
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import Prediction

ROOT: Final = Path(__file__).resolve().parents[1]


def scratch_settings(var: Path, **overrides: Any) -> Settings:
    """Settings over ``var`` with the project's content and NLU data; ``overrides`` on top
    (the database's URL, a limit...). The secret only guards data thrown away afterwards."""
    values: dict[str, Any] = {
        "var_dir": var,
        "content_dir": ROOT / "bot",
        "nlu_data": ROOT / "nlu" / "data",
        "secret_key": "benchmark-secret-not-for-production",
    }
    values.update(overrides)
    return Settings(**values)


class NoNlu:
    """For a benchmark that never classifies a message: no model to train or load."""

    name = "none"

    async def parse(self, _: str) -> Prediction:
        raise AssertionError("not used")


@contextlib.asynccontextmanager
async def served(services: Services) -> AsyncIterator[str]:
    """The real app on a free loopback port: yields its base URL, stops it on the way out."""
    runner = web.AppRunner(create_web_app(services))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
