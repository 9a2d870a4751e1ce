"""What the fuzz tests share: the real app served from a thread of its own, and a tally of
what they sent and saw, with every ERROR logged meanwhile and a summary line at the end.

Hypothesis's ``@given`` tests are synchronous, so the app runs on an event loop in another
thread and the tests talk to it over a real TCP port with a plain HTTP client
(``tests/web/test_fuzz.py``, ``tests/web/test_fuzz_bodies.py``,
``tests/channels/whatsapp/test_fuzz.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Tally:
    """What the fuzzing sent and saw, for the summary line."""

    inputs: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    error_logs: list[str] = field(default_factory=list)


class ErrorLogs(logging.Handler):
    """Keeps every ERROR record logged anywhere in the process while the app runs."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.ERROR)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.tally.error_logs.append(
            f"{record.name}: {record.getMessage()[:300]} {error!r:.300}".strip()
        )


@contextlib.contextmanager
def tallied(request: pytest.FixtureRequest, summary: Callable[[Tally], str]) -> Iterator[Tally]:
    """A tally that keeps the ERROR logs while open; then a line is printed in pytest's own
    output, past the capture, so a run shows how much was fuzzed: ``summary(tally)`` (what was
    sent, and the 5xx), then the error logs and the statuses."""
    tally = Tally()
    handler = ErrorLogs(tally)
    logging.getLogger().addHandler(handler)
    try:
        yield tally
    finally:
        logging.getLogger().removeHandler(handler)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"{summary(tally)}, {len(tally.error_logs)} error logs; "
                f"statuses {dict(sorted(tally.statuses.items()))}"
            )


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON tree (dict keys and list indexes), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += json_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += json_paths(child, (*prefix, index))
    return found


class ThreadedApp:
    """The real app on a real port, run by an event loop in a thread of its own.

    A subclass's ``_start`` opens the services and fakes it needs on ``self.stack`` (closed
    in reverse order by :meth:`stop`) and ends with :meth:`serve`.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stack = AsyncExitStack()
        self.port = 0

    def run(self, coro: Any, timeout: float = 120) -> Any:
        """Run ``coro`` on the app's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        self.run(self._start())

    def stop(self) -> None:
        self.run(self.stack.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _start(self) -> None:
        raise NotImplementedError

    async def serve_fake(self, fake: Any) -> None:
        """Serve a fake provider (``fake.app()``) on its own port, as ``fake.server``."""
        fake.server = TestServer(fake.app())
        await fake.server.start_server()
        self.stack.push_async_callback(fake.server.close)

    async def serve(self, app: web.Application) -> None:
        """Serve ``app`` on a free loopback port, kept in ``self.port``."""
        runner = web.AppRunner(app)
        await runner.setup()
        self.stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
