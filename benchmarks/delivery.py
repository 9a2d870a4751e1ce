"""Delivery benchmark: how long after a young person's message the reply leaves, per channel.

Usage (from the repository root):

    .venv/bin/python benchmarks/delivery.py [--setups sqlite:1,postgres:2] [--seconds 30]
                                            [--sms 80] [--telegram 40] [--web 80]
                                            [--baseline OTHER_CHECKOUT/src] [--json FILE]

Each setup ("database:workers") starts a real ``outreach-bot run`` on a fresh database with
all three channels on: Telegram in webhook mode and SMS through Twilio, both pointed at fake
providers that this script serves over real HTTP on 127.0.0.1 and that answer at once (a
fake Bot API and a fake Twilio Messages API), and the web chat over its REST webhook. Then
``--sms`` + ``--telegram`` + ``--web`` simulated people talk for ``--seconds``: each sends a
message of a realistic conversation (greeting, a question, the lead form), waits for the
first message of the answer, reads for 3 to 8 s, and writes again. One SMS or Telegram
person in eight writes a crisis message ("je veux mourir") as their second message.

Lag is measured from the moment the person's message leaves this script to the moment the
fake provider receives the reply (the web chat: to the HTTP answer). Replies are matched to
the message they answer after the run, from the database: each sent outbox row names its
transcript line and the provider's id for it, and the transcript gives the message it
answers. Printed per channel: p50/p95/max of the lag to the answer's first message and to its
last one (Telegram spaces one chat's messages by a second), and the crisis answers' lag.
Messages never answered within ``REPLY_TIMEOUT`` after the end count as lost.

``--baseline OTHER/src`` runs the same setups on another source tree (the main branch, say)
in the same run. PostgreSQL: through ``--postgres`` (a user that may create databases), as in
benchmarks/load.py. Compare rows of one run only: the load generator shares the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from load import CONVERSATION, database, free_port, percentile, process_tree_cpu_s, server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
REST_PATH = "/webhooks/rest/webhook"
TELEGRAM_PATH = "/webhooks/telegram"
TWILIO_PATH = "/webhooks/sms/twilio"
BOT_TOKEN = "123456789:bench-token"  # noqa: S105 - the fake API's, nobody else's
WEBHOOK_SECRET = "bench-secret"  # noqa: S105
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "bench-twilio-token"  # noqa: S105
OUR_NUMBER = "+33939000000"
CRISIS = "je veux mourir"
REPLY_TIMEOUT = 150.0
THINK = (3.0, 8.0)
START_SPREAD = 3.0
OPENING = START_SPREAD + 2.0
"""Messages sent this long after the start are past the opening burst (every person's first
message within START_SPREAD): the "after the opening" column counts only those."""
CRISIS_EVERY = 8


COUNTER = """
import atexit, json, os, threading, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_counts = {"statements": 0, "commits": 0, "rollbacks": 0, "held_s": 0.0}
_out = os.environ["BENCH_COUNTS_DIR"]


@event.listens_for(Engine, "before_cursor_execute")
def _statement(*_):
    _counts["statements"] += 1


@event.listens_for(Engine, "commit")
def _commit(*_):
    _counts["commits"] += 1


@event.listens_for(Engine, "rollback")
def _rollback(*_):
    _counts["rollbacks"] += 1


@event.listens_for(Pool, "checkout")
def _checkout(dbapi_connection, record, proxy):
    record.info["bench_out"] = time.perf_counter()


@event.listens_for(Pool, "checkin")
def _checkin(dbapi_connection, record):
    out = record.info.pop("bench_out", None)
    if out is not None:
        _counts["held_s"] += time.perf_counter() - out


def _write():
    with open(os.path.join(_out, f"{os.getpid()}.json"), "w") as f:
        json.dump(_counts, f)


def _every_half_second():
    while True:
        time.sleep(0.5)
        _write()


def _start():
    threading.Thread(target=_every_half_second, daemon=True).start()


def _forked():
    for name in _counts:
        _counts[name] = 0
    _start()


_start()
os.register_at_fork(after_in_child=_forked)
atexit.register(_write)
"""
"""A ``sitecustomize`` for ``--count-statements``: every engine of the server counts its SQL
statements, commits and the time its pooled connections were checked out, and writes them
to a file of its process every half second and when it exits (a forked worker may end
without running ``atexit``)."""


class FakeProviders:
    """A fake Telegram Bot API and a fake Twilio, in a thread of their own, answering at once.

    Each accepted message is recorded with the provider id it was given back and the moment
    it arrived; ``on_message`` (set by the driver) hears of each one as it comes.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.received: dict[str, tuple[str, float]] = {}  # provider id -> (recipient, when)
        self.on_message: Callable[[str, float], None] | None = None
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._serve, name="providers", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        async def down() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(down(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._telegram)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    def _record(self, provider_id: str, recipient: str) -> None:
        now = time.monotonic()
        self.received[provider_id] = (recipient, now)
        if self.on_message is not None:
            self.on_message(recipient, now)

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        result: Any = True
        if method == "getMe":
            result = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "b"}
        elif method == "sendMessage":
            chat_id = int(str(form["chat_id"]))
            message_id = next(self._ids)
            self._record(str(message_id), f"tg:{chat_id}")
            result = {
                "message_id": message_id,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": str(form.get("text", "")),
            }
        return web.json_response({"ok": True, "result": result})

    async def _twilio(self, request: web.Request) -> web.Response:
        form = await request.post()
        sid = f"SM{next(self._ids):032d}"
        self._record(sid, f"sms:{form['To']}")
        return web.json_response({"sid": sid, "num_segments": "1", "status": "queued"}, status=201)


@dataclass
class Sent:
    """One message a simulated person sent."""

    channel: str
    recipient: str  # as the fake provider sees the bot's replies: "tg:ID", "sms:+33…"
    inbound_id: str  # the provider's id of the person's message (update_id, MessageSid)
    at: float
    crisis: bool
    web_lag: float | None = None


@dataclass
class Row:
    """One line of the table."""

    setup: str
    channel: str
    messages: int
    lost: int
    p50_s: float
    p95_s: float
    max_s: float
    last_p95_s: float
    last_max_s: float
    steady_p95_s: float
    extra: dict[str, float] = field(default_factory=dict)


class Driver:
    """The simulated people of one setup."""

    def __init__(self, base: str, providers: FakeProviders, public: str) -> None:
        self.base = base
        self.providers = providers
        self.public = public.rstrip("/")
        self.sent: list[Sent] = []
        self.opened = 0.0
        self.errors = 0
        # Per queued channel: seconds from the reply's row being written to it being claimed.
        self.queued: dict[str, list[float]] = defaultdict(list)
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self._update_ids = itertools.count(100_000_000)
        self._validator = RequestValidator(TWILIO_TOKEN)

    def _heard(self, recipient: str, when: float) -> None:
        waiter = self._waiting.pop(recipient, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(when)

    async def run(self, sms: int, telegram: int, webchat: int, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self.providers.on_message = lambda r, w: loop.call_soon_threadsafe(self._heard, r, w)
        self.opened = time.monotonic()
        until = self.opened + seconds
        timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            people = [
                *(self._person(session, "sms", n, until) for n in range(sms)),
                *(self._person(session, "telegram", n, until) for n in range(telegram)),
                *(self._person(session, "web", n, until) for n in range(webchat)),
            ]
            await asyncio.gather(*people)
        self.providers.on_message = None

    async def _person(
        self, session: aiohttp.ClientSession, channel: str, index: int, until: float
    ) -> None:
        rng = random.Random(f"{channel}-{index}")  # noqa: S311 - the same people each run
        await asyncio.sleep(rng.uniform(0, START_SPREAD))
        for turn in itertools.count():
            if time.monotonic() >= until:
                return
            crisis = channel != "web" and index % CRISIS_EVERY == 0 and turn == 1
            message = CRISIS if crisis else CONVERSATION[turn % len(CONVERSATION)]
            try:
                answered = await self._send(
                    session,
                    channel=channel,
                    index=index,
                    turn=turn,
                    message=message,
                    crisis=crisis,
                )
            except (aiohttp.ClientError, TimeoutError):
                self.errors += 1
                answered = False
            if not answered:
                return  # nobody answered in time: this person gives up
            await asyncio.sleep(rng.uniform(*THINK))

    async def _send(
        self,
        session: aiohttp.ClientSession,
        *,
        channel: str,
        index: int,
        turn: int,
        message: str,
        crisis: bool,
    ) -> bool:
        started = time.monotonic()
        if channel == "web":
            payload = {
                "sender": f"web-bench-{index}",
                "message": message,
                "metadata": {"message_id": f"web-{turn + 1}"},
            }
            async with session.post(self.base + REST_PATH, json=payload) as response:
                ok = response.status == 200 and bool(await response.json(content_type=None))
            lag = time.monotonic() - started
            self.sent.append(Sent(channel, f"web:{index}", "", started, crisis, lag))
            if not ok:
                self.errors += 1
            return ok
        if channel == "telegram":
            chat_id = 700_000_000 + index
            recipient = f"tg:{chat_id}"
            inbound_id = str(next(self._update_ids))
            request = self._telegram_update(int(inbound_id), chat_id, message)
        else:
            number = f"+336{10_000_000 + index:08d}"
            recipient = f"sms:{number}"
            inbound_id = f"SM{uuid.uuid4().hex}"
            request = self._twilio_form(inbound_id, number, message)
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[recipient] = waiter
        self.sent.append(Sent(channel, recipient, inbound_id, started, crisis))
        url, kwargs = request
        async with session.post(url, **kwargs) as response:
            if response.status != 200:
                self.errors += 1
                self._waiting.pop(recipient, None)
                return False
        try:
            await asyncio.wait_for(waiter, timeout=REPLY_TIMEOUT)
        except TimeoutError:
            return False
        return True

    def _telegram_update(
        self, update_id: int, chat_id: int, message: str
    ) -> tuple[str, dict[str, Any]]:
        person = {"id": chat_id, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
        update: dict[str, Any] = {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 1_000_000,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Léa"},
                "from": person,
                "text": message,
            },
        }
        if message.startswith("/"):
            command = message.split(maxsplit=1)[0]
            update["message"]["entities"] = [
                {"offset": 0, "length": len(command), "type": "bot_command"}
            ]
        headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        return self.base + TELEGRAM_PATH, {"json": update, "headers": headers}

    def _twilio_form(self, sid: str, number: str, message: str) -> tuple[str, dict[str, Any]]:
        form = {
            "MessageSid": sid,
            "AccountSid": TWILIO_SID,
            "From": number,
            "To": OUR_NUMBER,
            "Body": message,
            "NumSegments": "1",
        }
        signature = self._validator.compute_signature(self.public + TWILIO_PATH, form)
        headers = {"X-Twilio-Signature": signature}
        return self.base + TWILIO_PATH, {"data": form, "headers": headers}


def _moment(value: datetime | str) -> datetime:
    """A timestamp as the driver returns it (SQLite: text; PostgreSQL: datetime), naive UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=None)


async def outbox_lags(
    database_url: str, driver: Driver, providers: FakeProviders
) -> dict[str, list[tuple[float, float, bool, float]]]:
    """Per queued channel: (first, last, crisis) lag of every answered message, from the
    database's transcript and outbox, matched with the fake providers' receipts."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            messages = (
                await connection.execute(
                    text(
                        "SELECT id, conversation_id, direction, channel_message_id "
                        "FROM messages ORDER BY id"
                    )
                )
            ).all()
            outbox = (
                await connection.execute(
                    text(
                        "SELECT message_id, provider_message_id, channel, created_at, sent_at "
                        "FROM outbox WHERE status = 'sent' AND message_id IS NOT NULL"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    answers: dict[int, str] = {}  # outbound transcript line -> inbound provider id it answers
    last_inbound: dict[int, str] = {}
    for message_id, conversation_id, direction, channel_message_id in messages:
        if direction == "in":
            last_inbound[conversation_id] = channel_message_id or ""
        elif conversation_id in last_inbound:
            answers[message_id] = last_inbound[conversation_id]
    arrivals: dict[str, list[float]] = defaultdict(list)
    for message_id, provider_id, channel, created_at, sent_at in outbox:
        waited = (_moment(sent_at) - _moment(created_at)).total_seconds()
        driver.queued[channel].append(waited)
        inbound = answers.get(message_id)
        receipt = providers.received.get(str(provider_id))
        if inbound and receipt:
            arrivals[inbound].append(receipt[1])
    lags: dict[str, list[tuple[float, float, bool, float]]] = defaultdict(list)
    for sent in driver.sent:
        if sent.channel == "web":
            continue
        times = arrivals.get(sent.inbound_id)
        if times:
            first, last = min(times) - sent.at, max(times) - sent.at
            lags[sent.channel].append((first, last, sent.crisis, sent.at))
        else:
            lags[sent.channel].append((float("inf"), float("inf"), sent.crisis, sent.at))
    return lags


def rows_for(
    setup: str, driver: Driver, lags: dict[str, list[tuple[float, float, bool, float]]]
) -> list[Row]:
    """The table's rows; each lag entry is (first, last, crisis, sent at)."""
    rows: list[Row] = []
    steady_from = driver.opened + OPENING

    def row(channel: str, entries: list[tuple[float, float, bool, float]]) -> Row:
        done = [first for first, *_ in entries if first != float("inf")]
        done_last = [last for _, last, *_ in entries if last != float("inf")]
        steady = [e[0] for e in entries if e[0] != float("inf") and e[3] >= steady_from]
        return Row(
            setup,
            channel,
            len(entries),
            len(entries) - len(done),
            percentile(done, 0.50),
            percentile(done, 0.95),
            max(done, default=0.0),
            percentile(done_last, 0.95),
            max(done_last, default=0.0),
            percentile(steady, 0.95),
        )

    for channel in ("sms", "telegram"):
        rows.append(row(channel, lags.get(channel, [])))
    web = [
        (sent.web_lag or 0.0, sent.web_lag or 0.0, False, sent.at)
        for sent in driver.sent
        if sent.channel == "web"
    ]
    rows.append(row("web chat", web))
    crisis = [e for entries in lags.values() for e in entries if e[2]]
    rows.append(row("crisis (sms+telegram)", crisis))
    return rows


def run_setup(setup: str, label: str, src: Path, args: argparse.Namespace) -> list[Row]:
    kind, _, workers_text = setup.partition(":")
    workers = int(workers_text or "1")
    providers = FakeProviders()
    providers.start()
    port = free_port()
    public = f"http://127.0.0.1:{port}/"
    extra = {
        "OUTREACH_PUBLIC_URL": public,
        "OUTREACH_TELEGRAM_TOKEN": BOT_TOKEN,
        "OUTREACH_TELEGRAM_BASE_URL": providers.url + "/bot",
        "OUTREACH_TELEGRAM_WEBHOOK": "true",
        "OUTREACH_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OUTREACH_SMS_PROVIDER": "twilio",
        "OUTREACH_TWILIO_ACCOUNT_SID": TWILIO_SID,
        "OUTREACH_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "OUTREACH_TWILIO_FROM": OUR_NUMBER,
        "OUTREACH_TWILIO_BASE_URL": providers.url,
        "OUTREACH_SMS_DAILY_LIMIT": "10000",
    }
    try:
        with tempfile.TemporaryDirectory(prefix="outreach-delivery-") as directory:
            work = Path(directory)
            counts = work / "counts"
            if args.count_statements:
                hook = work / "hook"
                hook.mkdir()
                counts.mkdir()
                (hook / "sitecustomize.py").write_text(COUNTER)
                extra["BENCH_COUNTS_DIR"] = str(counts)
                extra["PYTHONPATH"] = os.pathsep.join([str(src), str(hook)])
            with (
                database(kind, work, args.postgres) as url,
                server(url, workers, work, src, work / "var", extra=extra, port=port) as running,
            ):
                driver = Driver(running.url, providers, public)
                started = time.monotonic()
                cpu = process_tree_cpu_s(running.process.pid)
                with cpu_sampled(running.process.pid) as samples:
                    asyncio.run(driver.run(args.sms, args.telegram, args.web, args.seconds))
                cpu = process_tree_cpu_s(running.process.pid) - cpu
                took = time.monotonic() - started
                lags = asyncio.run(outbox_lags(url, driver, providers))
            rows = rows_for(label, driver, lags)
            for item in rows:
                item.extra = {
                    "seconds": round(took, 1),
                    "errors": driver.errors,
                    "server_cpu_ms_per_message": round(1000 * cpu / max(len(driver.sent), 1), 1),
                    "server_cores_opening": busiest(samples, OPENING),
                    "server_cores_whole_run": round(cpu / max(took, 0.001), 2),
                }
                waits = driver.queued.get("telegram" if item.channel == "telegram" else "sms")
                if waits and item.channel in {"sms", "telegram"}:
                    item.extra["outbox_p95_s"] = round(percentile(waits, 0.95), 2)
            if args.count_statements:
                rows[0].extra.update(per_message(counts, len(driver.sent)))
            return rows
    finally:
        providers.stop()


@contextlib.contextmanager
def cpu_sampled(pid: int, every: float = 0.5) -> Iterator[list[tuple[float, float]]]:
    """(moment, CPU seconds so far) of the server, every ``every`` seconds, in a thread."""
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), process_tree_cpu_s(pid)))
            stop.wait(every)

    thread = threading.Thread(target=sample, name="cpu-sampler", daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def busiest(samples: list[tuple[float, float]], window: float) -> float:
    """The most cores the server kept busy over ``window`` seconds (1.0: one core all along).

    One process runs its Python on one core at a time; its NLU threads can add a little.
    """
    best = 0.0
    for start, (at, used) in enumerate(samples):
        for later_at, later_used in samples[start + 1 :]:
            if later_at - at >= window:
                best = max(best, (later_used - used) / (later_at - at))
                break
    return round(best, 2)


def per_message(counts: Path, messages: int) -> dict[str, float]:
    """What ``COUNTER`` wrote, summed over the server's processes, per message received.

    Counted from the server's start to its stop, so start-up and the outcome writes after
    the run are in: compare runs with the same people and seconds.
    """
    totals: dict[str, float] = defaultdict(float)
    for path in counts.glob("*.json"):
        for name, value in json.loads(path.read_text()).items():
            totals[name] += value
    per = max(messages, 1)
    return {
        "statements_per_message": round(totals["statements"] / per, 2),
        "commits_per_message": round(totals["commits"] / per, 2),
        "connection_held_ms_per_message": round(1000 * totals["held_s"] / per, 2),
    }


def print_table(rows: list[Row]) -> None:
    print(
        "| setup | channel | messages | lost | p50 s | p95 s | max s | last p95 s | last max s "
        "| in outbox p95 s | p95 s after the opening |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        queued = row.extra.get("outbox_p95_s")
        print(
            f"| {row.setup} | {row.channel} | {row.messages} | {row.lost} | {row.p50_s:.2f} | "
            f"{row.p95_s:.2f} | {row.max_s:.2f} | {row.last_p95_s:.2f} | {row.last_max_s:.2f} "
            f"| {'' if queued is None else f'{queued:.2f}'} | {row.steady_p95_s:.2f} |",
            flush=True,
        )
    print()
    for row in rows[::4]:
        print(
            f"{row.setup}: {row.extra.get('server_cpu_ms_per_message')} ms of server CPU "
            "per message (every process of the server, not the database's); cores busy: "
            f"{row.extra.get('server_cores_whole_run')} over the run, "
            f"{row.extra.get('server_cores_opening')} in its busiest {OPENING:g} s"
        )
        if "statements_per_message" in row.extra:
            print(
                f"{row.setup}: per message, {row.extra['statements_per_message']} SQL "
                f"statements, {row.extra['commits_per_message']} commits, a connection held "
                f"{row.extra['connection_held_ms_per_message']} ms"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default="sqlite:1,postgres:2")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--sms", type=int, default=80)
    parser.add_argument("--telegram", type=int, default=40)
    parser.add_argument("--web", type=int, default=80)
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ to compare")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--count-statements",
        action="store_true",
        help="also count the server's SQL statements, commits and connection time per message",
    )
    args = parser.parse_args()
    trees = [("", ROOT / "src")]
    if args.baseline:
        trees.insert(0, ("base ", args.baseline.resolve()))
    names = {"sqlite:1": "SQLite, 1 process", "postgres:2": "PostgreSQL, 2 workers"}
    rows: list[Row] = []
    for setup in args.setups.split(","):
        for prefix, src in trees:
            label = prefix + names.get(setup, setup)
            print(f"-- {label} ({src})", file=sys.stderr, flush=True)
            rows.extend(run_setup(setup, label, src, args))
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2))
    with contextlib.suppress(Exception):
        print(f"errors: {[row.extra.get('errors') for row in rows[::4]]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
