"""Load benchmark of the REST webhook: many young people writing at once, in one run.

Usage (from the repository root):

    .venv/bin/python benchmarks/load.py [--setups sqlite:1,postgres:1,postgres:2]
                                        [--concurrency 1,10,100] [--requests 1000]
                                        [--rasa-url URL [--rasa-pids PID,PID]] [--baseline SRC]
                                        [--json FILE]

Each setup ("database:workers") starts a real ``outreach-bot run`` on a fresh database
(``--workers N`` when N > 1), waits until it answers, and sends the same traffic at each
concurrency: every simulated person has their own sender id and goes through a realistic
conversation (greeting, a question, then the lead form: consent, age, first name, phone,
commune, need, availability, confirmation), so the write path with its lead creation is
exercised, not only the NLU. Concurrency C means C people talking at the same time, each
sending their next message as soon as the previous answer arrives (a closed loop, as in the
issue's measurements): by Little's law the mean latency is then C divided by the throughput,
so at C=100 latency measures throughput, and p99/p50 measures fairness.

Printed per row: requests per second, p50/p95/p99 latency, errors (anything but a 200 with
replies, including time-outs) and the memory of all the server's processes after the row:
the sum of their RSS, and of their PSS, which counts pages shared by forked workers once.
Start-up time is from launching the command to the first answer on /healthz.

Rasa side by side: start the Rasa example assistant yourself (``rasa run --enable-api`` with
its action server, see docs/contributing/benchmarks.md) and pass ``--rasa-url``; its rows
send the same person's messages to its REST channel, along its own lead form
(``RASA_CONVERSATION``: it opens on ``/ask_human``), so its actions also create a lead.
``--rasa-pids`` (the rasa and action server process ids) adds their RSS.
Without ``--rasa-url`` the Rasa rows are skipped.

Before and after: ``--baseline OTHER_CHECKOUT/src`` runs the single-process setups again on
another source tree (the main branch, say), in the same run, under the same load.

PostgreSQL: the benchmark creates and drops its own database through ``--postgres`` (a
server address whose user may create databases).

The load generator runs on the same machine and takes CPU from the server: compare rows of
one run, never figures of different runs or machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
REST_PATH = "/webhooks/rest/webhook"
START_TIMEOUT = 300.0
REQUEST_TIMEOUT = 60.0

# One invented young person's conversation: a greeting, a question, then the lead form.
CONVERSATION: tuple[str, ...] = (
    "salut",
    "c'est quoi le contrat d'engagement jeune ?",
    "je cherche du boulot vers verdun",
    "/affirm",
    "/affirm",
    "j'ai 19 ans",
    "Léa",
    "06 12 34 56 78",
    "verdun",
    "un job dans la restauration",
    '/select{"value":"when_morning"}',
    "/affirm",
)

# The same person and answers for the Rasa example assistant (actions/domain_example.yml and
# rules_example.yml): its lead form opens on ``ask_human`` (not on a "yes" to the offer that
# follows a topic answer), asks consent, age, first name, phone, commune and need, and sends
# the lead to our API once the need is given (no availability or read-back step).
RASA_CONVERSATION: tuple[str, ...] = (
    "salut",
    "c'est quoi le contrat d'engagement jeune ?",
    "je cherche du boulot vers verdun",
    "/ask_human",
    "/affirm",
    "j'ai 19 ans",
    "Léa",
    "06 12 34 56 78",
    "verdun",
    "un job dans la restauration",
)


@dataclass
class Row:
    """One line of the table."""

    setup: str
    concurrency: int
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rss_mb: float
    pss_mb: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_tree_memory_mb(root_pid: int) -> tuple[float, float]:
    """RSS and PSS of a process and all its descendants, from /proc (Linux).

    Forked workers share most of their pages with each other: the sum of their RSS counts
    those pages once per process, the sum of their PSS (each shared page divided among its
    sharers) is what the machine really spends.
    """
    rss, pss = process_tree_smaps_mb(root_pid, ("Rss:", "Pss:"))
    return rss, pss


def process_tree(root_pid: int) -> list[int]:
    """A process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree: list[int] = []
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def process_tree_cpu_s(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants.

    Unlike a latency, this hardly moves with what else the machine runs, so two builds'
    work per message compares across runs.
    """
    ticks = 0
    for pid in process_tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree_smaps_mb(root_pid: int, names: Sequence[str]) -> tuple[float, ...]:
    """The sums of ``smaps_rollup`` fields (``"Rss:"``…) over a process and its descendants."""
    totals = dict.fromkeys(names, 0)
    for pid in process_tree(root_pid):
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            name, _, rest = line.partition(" ")
            if name in totals:
                totals[name] += int(rest.split()[0])
    return tuple(totals[name] / 1024 for name in names)


async def _postgres(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def database(kind: str, work: Path, postgres: str) -> Iterator[str]:
    """A fresh database for one setup, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'bench.db'}"
        return
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres(postgres, f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + (
            f"/{name}"
        )
    finally:
        asyncio.run(_postgres(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Server:
    """A running ``outreach-bot run`` and how long it took to answer."""

    url: str
    process: subprocess.Popen[bytes]
    ready_s: float
    idle_rss_mb: float
    idle_pss_mb: float


@contextmanager
def server(
    database_url: str,
    workers: int,
    work: Path,
    src: Path,
    var: Path,
    *,
    extra: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """A running ``outreach-bot run``; ``extra`` adds settings (channels, providers)."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    environment.update(
        OUTREACH_DATABASE_URL=database_url,
        OUTREACH_VAR_DIR=str(var),
        OUTREACH_SECRET_KEY=uuid.uuid4().hex * 2,
        # The content and training data of the same checkout as the code.
        OUTREACH_CONTENT_DIR=str(src.parent / "bot"),
        OUTREACH_NLU_DATA=str(src.parent / "nlu" / "data"),
        OUTREACH_PUBLIC_URL=f"http://127.0.0.1:{port}/",
        # Every simulated person writes from this one loopback address: the per-address limit
        # (meant for one client opening conversations in a loop) would answer most of them 429.
        # The per-sender limit stays on (each person sends one conversation, under it).
        OUTREACH_RATE_LIMIT_IP="0",
        PYTHONPATH=os.pathsep.join([str(src), environment.get("PYTHONPATH", "")]),
    )
    environment.update(extra or {})
    command = [sys.executable, "-m", "outreach_bot"]
    subprocess.run([*command, "db", "upgrade"], env=environment, check=True, capture_output=True)
    log = (work / "server.log").open("wb")
    arguments = [*command, "run", "--port", str(port)]
    if workers > 1:
        arguments += ["--workers", str(workers)]
    started = time.monotonic()
    process = subprocess.Popen(
        arguments, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        ready = asyncio.run(_wait_ready(url, process, workers, started, work / "server.log"))
        yield Server(url, process, ready, *process_tree_memory_mb(process.pid))
    except SystemExit:
        log.flush()
        print((work / "server.log").read_text(errors="replace")[-2000:], file=sys.stderr)
        raise
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


async def _wait_ready(
    url: str, process: subprocess.Popen[bytes], workers: int, started: float, log: Path
) -> float:
    """Seconds until /healthz answers; with N workers, until N distinct processes have."""
    deadline = started + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server stopped at start-up (exit {process.returncode})")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer in time")
            await asyncio.sleep(0.05)
    ready = time.monotonic() - started
    # With several workers, the first answer comes from the fastest: wait for all of them to
    # have their port open, so no request of the benchmark waits for a start-up.
    while _serving_workers(log) < workers:
        if time.monotonic() > deadline:
            raise SystemExit("not every worker started in time")
        await asyncio.sleep(0.05)
    return ready if workers == 1 else time.monotonic() - started


def _serving_workers(log: Path) -> int:
    """How many workers have said they serve (``run`` prints one line per worker)."""
    text = log.read_text(encoding="utf-8", errors="replace")
    return text.count("Outreach Bot is running on") + text.count(" is serving http")


async def drive(
    url: str, concurrency: int, requests: int, tag: str, messages: Sequence[str] = CONVERSATION
) -> tuple[list[float], int]:
    """``concurrency`` people talking at once until ``requests`` messages have been answered."""
    latencies: list[float] = []
    errors = 0
    remaining = requests
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def person(index: int) -> None:
            nonlocal remaining, errors
            conversation = 0
            while remaining > 0:
                sender = f"bench-{tag}-{index}-{conversation}"
                conversation += 1
                for text in messages:
                    if remaining <= 0:
                        return
                    remaining -= 1
                    started = time.perf_counter()
                    try:
                        async with session.post(
                            url + REST_PATH, json={"sender": sender, "message": text}
                        ) as response:
                            body = await response.json(content_type=None)
                            ok = response.status == 200 and isinstance(body, list) and body
                    except (aiohttp.ClientError, TimeoutError, ValueError):
                        ok = False
                    latencies.append(time.perf_counter() - started)
                    if not ok:
                        errors += 1

        await asyncio.gather(*(person(index) for index in range(concurrency)))
    return latencies, errors


def measure(
    setup: str,
    url: str,
    levels: Sequence[int],
    requests: int,
    memory: Any,
    *,
    messages: Sequence[str] = CONVERSATION,
) -> list[Row]:
    rows = []
    for concurrency in levels:
        count = max(requests // 4, 100) if concurrency == 1 else requests
        warm = f"warm{uuid.uuid4().hex[:6]}"
        asyncio.run(drive(url, min(concurrency, 5), 30, warm, messages))
        started = time.perf_counter()
        tag = f"{setup}-{concurrency}-{uuid.uuid4().hex[:6]}"
        latencies, errors = asyncio.run(drive(url, concurrency, count, tag, messages))
        seconds = time.perf_counter() - started
        ms = [value * 1000 for value in latencies]
        rss, pss = memory()
        row = Row(
            setup=setup,
            concurrency=concurrency,
            requests=len(latencies),
            seconds=seconds,
            errors=errors,
            p50_ms=statistics.median(ms),
            p95_ms=percentile(ms, 0.95),
            p99_ms=percentile(ms, 0.99),
            rss_mb=rss,
            pss_mb=pss,
        )
        print(format_row(row), flush=True)
        rows.append(row)
    return rows


HEADER = (
    f"{'setup':<14}{'conc':>5}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
    f"{'p99 ms':>9}{'errors':>7}{'RSS MB':>8}{'PSS MB':>8}"
)


def format_row(row: Row) -> str:
    return (
        f"{row.setup:<14}{row.concurrency:>5}{row.requests:>9}{row.rate:>8.1f}"
        f"{row.p50_ms:>9.1f}{row.p95_ms:>9.1f}{row.p99_ms:>9.1f}{row.errors:>7}"
        f"{row.rss_mb:>8.0f}{row.pss_mb:>8.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="sqlite:1,postgres:1,postgres:2")
    parser.add_argument("--concurrency", default="1,10,100")
    parser.add_argument("--requests", type=int, default=1000, help="messages per row")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rasa-url", default=None, help="a running Rasa assistant")
    parser.add_argument("--rasa-pids", default="", help="its processes, for RSS")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="another src/ to run side by side"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    levels = [int(value) for value in args.concurrency.split(",")]
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores", flush=True)
    rows: list[Row] = []
    starts: dict[str, dict[str, float]] = {}
    print(HEADER, flush=True)
    runs: list[tuple[str, Path]] = []
    for setup in args.setups.split(","):
        runs.append((setup, ROOT / "src"))
        if args.baseline and setup.endswith(":1"):
            # The same single-process setup on another source tree (the main branch, say),
            # right after, so both see about the same load from the rest of the machine.
            runs.append((f"base {setup}", args.baseline))
    # One var/ per source tree: its first start trains and caches the classifier (and writes
    # what else that tree caches), as on a new server; every measured setup of that tree then
    # starts like a server that has run before. The trees do not share one: a baseline whose
    # cache differs would otherwise train during its measured start.
    variables: dict[Path, Path] = {}
    for src in dict.fromkeys(src for _, src in runs):
        variables[src] = Path(tempfile.mkdtemp(prefix="outreach-load-var-"))
        with tempfile.TemporaryDirectory(prefix="outreach-load-") as raw:
            work = Path(raw)
            with (
                database("sqlite", work, args.postgres) as url,
                server(url, 1, work, src, variables[src]) as first,
            ):
                label = "this tree" if src == ROOT / "src" else f"baseline {src}"
                print(
                    f"{label}: first start (classifier trained and cached): "
                    f"ready in {first.ready_s:.1f} s",
                    flush=True,
                )
    for setup, src in runs:
        kind, _, workers_text = setup.removeprefix("base ").partition(":")
        workers = int(workers_text or 1)
        with tempfile.TemporaryDirectory(prefix="outreach-load-") as raw:
            work = Path(raw)
            with (
                database(kind, work, args.postgres) as url,
                server(url, workers, work, src, variables[src]) as up,
            ):
                starts[setup] = {
                    "ready_s": up.ready_s,
                    "idle_rss_mb": up.idle_rss_mb,
                    "idle_pss_mb": up.idle_pss_mb,
                }
                rows += measure(
                    setup,
                    up.url,
                    levels,
                    args.requests,
                    lambda: process_tree_memory_mb(up.process.pid),
                )
    if args.rasa_url:
        pids = [int(pid) for pid in args.rasa_pids.split(",") if pid]
        rows += measure(
            "rasa",
            args.rasa_url.rstrip("/"),
            levels,
            args.requests,
            lambda: (
                tuple(map(sum, zip(*(process_tree_memory_mb(pid) for pid in pids), strict=True)))
                if pids
                else (0.0, 0.0)
            ),
            messages=RASA_CONVERSATION,
        )
    else:
        print("rasa: skipped (no --rasa-url)", flush=True)
    print()
    for setup, figures in starts.items():
        print(
            f"{setup}: ready in {figures['ready_s']:.1f} s, "
            f"idle {figures['idle_rss_mb']:.0f} MB RSS, {figures['idle_pss_mb']:.0f} MB PSS "
            "(all processes together)"
        )
    rasa = {row.concurrency: row for row in rows if row.setup == "rasa"}
    if rasa:
        print("\nratios to Rasa (throughput x, p99 x):")
        for row in rows:
            if row.setup != "rasa" and row.concurrency in rasa:
                theirs = rasa[row.concurrency]
                print(
                    f"{row.setup:<14}{row.concurrency:>5}  {row.rate / theirs.rate:>5.2f}x"
                    f"  {row.p99_ms / theirs.p99_ms:>5.2f}x"
                )
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) at the end")
    for var in variables.values():
        shutil.rmtree(var, ignore_errors=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"rows": [asdict(row) | {"rate": row.rate} for row in rows], "starts": starts},
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
