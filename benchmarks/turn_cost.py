"""Turn cost: what one message costs one server process when nothing else is going on.

Usage (from the repository root):

    .venv/bin/python benchmarks/turn_cost.py [--people 20] [--baseline OTHER_CHECKOUT/src]

``--people`` people, one after the other, write the conversation of ``load.py`` (greeting,
a question, the lead form) on each channel: SMS and Telegram, whose replies leave through the
outbox to an in-process channel that accepts them at once, and the web chat (the REST
channel), answered in the turn. Each message is handled through the real
``ConversationService`` on a fresh SQLite database, with the embedded NLU. Printed per
channel and per message:

- the process's CPU time for the whole message: understanding it, the dialogue, storing it
  and sending the replies;
- the SQL statements and commits;
- how long a database connection was checked out. On SQLite there is one connection, which
  every message waits for, so 1000 divided by this figure is about how many messages a
  second one process can store at most, however many cores it has.

Unlike ``delivery.py``, nothing competes here: these figures hardly move with the rest of the
machine, so a change that makes a turn lighter shows even on a busy machine. What the HTTP
layer and the providers' clients cost is left out (``delivery.py`` has them).

``--together N``: N people send each message of the conversation at the same moment, as in
an opening burst, and the CPU is counted per message over the group: what batches (the
classifier's messages, the sends' outcomes) shows there, not one at a time.

``--baseline OTHER/src`` runs the same people on another source tree (the main branch, say)
in a process of its own, before this one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load import CONVERSATION
from scratch import scratch_settings
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

import outreach_bot
from outreach_bot.app import build_nlu, open_services
from outreach_bot.core.channel import Delivery, InboundMessage, SendLimits, SendResult
from outreach_bot.dialogue.replies import Reply

CHANNELS = ("sms", "telegram", "rest")
# The content and training data of the tree whose code runs (--baseline's, in its process):
# another tree's bot/ may not load with this code.
TREE = Path(outreach_bot.__file__).resolve().parents[2]
LABELS = {"sms": "SMS", "telegram": "Telegram", "rest": "web chat"}


class AcceptingChannel:
    """An outbound channel that takes every message at once, with no limit."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.limits = SendLimits()
        self.sent = 0

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        self.sent += 1
        return SendResult(provider_message_id=f"accepted-{self.sent}", segments=1)


@dataclass
class Counts:
    """What the engine did while it was watched."""

    statements: int = 0
    commits: int = 0
    held_s: float = 0.0
    _out: dict[int, float] = field(default_factory=dict)

    def watch(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "checkout", self._checkout)
        event.listen(sync, "checkin", self._checkin)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def _checkout(self, _: Any, record: Any, __: Any) -> None:
        self._out[id(record)] = time.perf_counter()

    def _checkin(self, _: Any, record: Any) -> None:
        out = self._out.pop(id(record), None)
        if out is not None:
            self.held_s += time.perf_counter() - out


@contextmanager
def watched(counts: Counts) -> Iterator[dict[str, float]]:
    """The counts and CPU seconds spent inside the block (filled in on the way out)."""
    before = (counts.statements, counts.commits, counts.held_s, time.process_time())
    spent: dict[str, float] = {}
    yield spent
    spent.update(
        statements=counts.statements - before[0],
        commits=counts.commits - before[1],
        held_s=counts.held_s - before[2],
        cpu_s=time.process_time() - before[3],
    )


async def measure(people: int, var: Path, together: int = 1) -> dict[str, dict[str, float]]:
    """Per channel: CPU ms, statements, commits and connection ms per message."""
    settings = scratch_settings(
        var,
        database_url=f"sqlite+aiosqlite:///{var / 'turns.db'}",
        public_url="http://x/",
        content_dir=TREE / "bot",
        nlu_data=TREE / "nlu" / "data",
    )
    nlu = await build_nlu(settings)
    results: dict[str, dict[str, float]] = {}
    async with open_services(settings, nlu=nlu, create_schema=True) as services:
        counts = Counts()
        counts.watch(services.db)
        for channel in ("sms", "telegram"):
            services.outbound[channel] = AcceptingChannel(channel)
        # The first messages build what is built once per process (the communes' index).
        for turn, text in enumerate(CONVERSATION):
            await services.conversations.handle_inbound(
                InboundMessage("rest", "warm-up", text, message_id=f"warm-up-{turn}")
            )
        for channel in CHANNELS:
            totals = dict.fromkeys(("statements", "commits", "held_s", "cpu_s"), 0.0)
            messages = 0
            for first in range(0, people, together):
                group = range(first, min(first + together, people))
                for turn, text in enumerate(CONVERSATION):
                    batch = [
                        InboundMessage(
                            channel,
                            f"{channel}-{person}",
                            text,
                            message_id=f"{channel}-{person}-{turn}",
                        )
                        for person in group
                    ]
                    with watched(counts) as spent:
                        await asyncio.gather(
                            *(services.conversations.handle_inbound(m) for m in batch)
                        )
                        # The replies' lanes send and write their outcomes meanwhile.
                        await asyncio.sleep(0.05)
                    for name, value in spent.items():
                        totals[name] += value
                    messages += len(batch)
            results[channel] = {
                "cpu_ms": round(1000 * totals["cpu_s"] / messages, 2),
                "statements": round(totals["statements"] / messages, 2),
                "commits": round(totals["commits"] / messages, 2),
                "held_ms": round(1000 * totals["held_s"] / messages, 2),
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument(
        "--together",
        type=int,
        default=1,
        help="people who send each message at the same moment (a burst); 1: one at a time",
    )
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ to compare")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    runs: list[tuple[str, dict[str, dict[str, float]]]] = []
    if args.baseline:
        environment = dict(os.environ, PYTHONPATH=str(args.baseline.resolve()))
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--people",
                str(args.people),
                "--together",
                str(args.together),
                "--json-only",
            ],
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(("base", json.loads(done.stdout.splitlines()[-1])))
    with tempfile.TemporaryDirectory(prefix="outreach-turns-") as directory:
        results = asyncio.run(measure(args.people, Path(directory), args.together))
    if args.json_only:
        print(json.dumps(results))
        return 0
    runs.append(("this tree", results))
    pace = "one at a time" if args.together == 1 else f"{args.together} at the same moment"
    print(f"{args.people} people × {len(CONVERSATION)} messages per channel, {pace}")
    print("| tree | channel | CPU ms | SQL statements | commits | connection held ms |")
    print("|---|---|---:|---:|---:|---:|")
    for label, result in runs:
        for channel in CHANNELS:
            row = result[channel]
            print(
                f"| {label} | {LABELS[channel]} | {row['cpu_ms']:.2f} | {row['statements']:.2f} "
                f"| {row['commits']:.2f} | {row['held_ms']:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
