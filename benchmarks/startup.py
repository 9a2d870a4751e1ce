"""Start-up benchmark: how long one ``outreach-bot run`` takes to answer, and its memory.

Usage (from the repository root):

    .venv/bin/python benchmarks/startup.py [--starts 5] [--baseline OTHER_CHECKOUT/src]
                                           [--json FILE]

Each tree (this one, and ``--baseline`` if given) is byte-compiled, as installed code is, and
gets its own var/ folder and a first start
that trains and caches what it caches, as on a new server; that start is printed but not
counted. Then the trees are started in turn, ``--starts`` times each, alternated so both see
the same load from the rest of the machine, each on a fresh SQLite database:

- ready: seconds from launching the command to the first answer on /healthz (the server
  listens only once the classifier, the encoder and the database are ready);
- idle: the memory of all the server's processes right after that, and again after one
  young person's whole conversation (greeting, a question, the lead form with its commune),
  which brings in what serving touches;
- RSS, its anonymous part (the process's own memory) and its file-backed part (pages mapped
  from files: libraries and cached weights, shared with other processes and dropped by the
  kernel under pressure), and PSS.

Medians are printed per tree, and the ratio of this tree's to the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CONVERSATION, ROOT, database, drive, process_tree_smaps_mb, server


@dataclass
class Start:
    """One measured start."""

    tree: str
    ready_s: float
    idle_rss_mb: float
    idle_anon_mb: float
    idle_pss_mb: float
    served_rss_mb: float
    served_anon_mb: float
    served_pss_mb: float


def memory_mb(root_pid: int) -> tuple[float, float, float]:
    """RSS, anonymous RSS and PSS of a process and its descendants, from /proc (Linux)."""
    rss, anonymous, pss = process_tree_smaps_mb(root_pid, ("Rss:", "Anonymous:", "Pss:"))
    return rss, anonymous, pss


def one_start(tree: str, src: Path, var: Path) -> Start:
    with tempfile.TemporaryDirectory(prefix="outreach-startup-") as raw:
        work = Path(raw)
        with database("sqlite", work, "") as url, server(url, 1, work, src, var) as up:
            idle = memory_mb(up.process.pid)
            latencies, errors = asyncio.run(
                drive(up.url, 1, len(CONVERSATION), f"startup-{tree}", CONVERSATION)
            )
            if errors:
                raise SystemExit(f"{tree}: {errors} of {len(latencies)} messages failed")
            served = memory_mb(up.process.pid)
            return Start(tree, up.ready_s, idle[0], idle[1], idle[2], *served)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None, help="another src/ to compare")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    trees = [("this", ROOT / "src")]
    if args.baseline is not None:
        trees.append(("base", args.baseline.resolve()))
    variables = {
        name: Path(tempfile.mkdtemp(prefix=f"outreach-startup-{name}-")) for name, _ in trees
    }
    for name, src in trees:
        # Byte-compiled, as on a deployed server (`make setup` does it; Python also writes it
        # at a first start, unless PYTHONDONTWRITEBYTECODE is set, as on some machines).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
        first = one_start(name, src, variables[name])
        print(f"{name}: first start (caches written): ready in {first.ready_s:.2f} s", flush=True)
    print(
        f"{'tree':<6}{'ready s':>9}{'idle RSS':>10}{'anon':>7}{'PSS':>7}"
        f"{'served RSS':>12}{'anon':>7}{'PSS':>7}   (MB)",
        flush=True,
    )
    starts: list[Start] = []
    for _ in range(args.starts):
        for name, src in trees:
            start = one_start(name, src, variables[name])
            starts.append(start)
            print(
                f"{name:<6}{start.ready_s:>9.2f}{start.idle_rss_mb:>10.0f}"
                f"{start.idle_anon_mb:>7.0f}{start.idle_pss_mb:>7.0f}"
                f"{start.served_rss_mb:>12.0f}{start.served_anon_mb:>7.0f}"
                f"{start.served_pss_mb:>7.0f}",
                flush=True,
            )
    medians: dict[str, dict[str, float]] = {}
    for name, _ in trees:
        mine = [start for start in starts if start.tree == name]
        medians[name] = {
            key: statistics.median(getattr(start, key) for start in mine)
            for key in asdict(mine[0])
            if key != "tree"
        }
        figures = medians[name]
        print(
            f"{name}: median ready {figures['ready_s']:.2f} s "
            f"(min {min(s.ready_s for s in mine):.2f}, max {max(s.ready_s for s in mine):.2f}); "
            f"idle {figures['idle_rss_mb']:.0f} MB RSS ({figures['idle_anon_mb']:.0f} anonymous), "
            f"after a conversation {figures['served_rss_mb']:.0f} MB "
            f"({figures['served_anon_mb']:.0f} anonymous)"
        )
    if "base" in medians:
        this, base = medians["this"], medians["base"]
        print(
            "this / base: "
            + ", ".join(
                f"{key} {this[key] / base[key]:.2f}x"
                for key in ("ready_s", "idle_rss_mb", "served_rss_mb")
            )
        )
    if args.json:
        args.json.write_text(
            json.dumps({"starts": [asdict(s) for s in starts], "medians": medians}, indent=2),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
