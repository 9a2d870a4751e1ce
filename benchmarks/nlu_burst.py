"""NLU burst: the classifier's CPU per message when many messages reach it at the same moment.

Usage (from the repository root):

    .venv/bin/python benchmarks/nlu_burst.py [--tries 5]

The embedded classifier the bot runs (trained on nlu/data, or read from its cache) is given 1,
16 and 64 different messages at once through ``parse``, the way the conversation service asks
it, and the process's CPU time is divided by the number of messages; the best of ``--tries``
is kept. To compare with another checkout, run the same script with
``PYTHONPATH=OTHER/src`` (the content and training data are this checkout's; the model is
rebuilt if they differ).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from scratch import scratch_settings

from outreach_bot.app import build_nlu

MESSAGES = (
    "salut",
    "je cherche un taf vers verdun",
    "c'est combien le permis ?",
    "jsuis en galère pr trouver une formation",
    "oui",
    "bonjour je veux des infos sur le CEJ",
    "on peut se voir où ?",
    "ok merci",
)


async def measure(tries: int, var: Path) -> dict[int, float]:
    """CPU milliseconds per message, for each number of messages arriving together."""
    nlu = await build_nlu(scratch_settings(var))
    await nlu.parse("salut")
    results: dict[int, float] = {}
    for together in (1, 16, 64):
        best = float("inf")
        for attempt in range(tries):
            texts = [f"{MESSAGES[i % len(MESSAGES)]} {attempt}{i}" for i in range(together)]
            started = time.process_time()
            await asyncio.gather(*(nlu.parse(text) for text in texts))
            best = min(best, (time.process_time() - started) / together)
        results[together] = round(1000 * best, 2)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outreach-nlu-burst-") as directory:
        results = asyncio.run(measure(args.tries, Path(directory)))
    print("| messages at once | CPU ms per message (best of tries) |")
    print("|---:|---:|")
    for together, cpu_ms in results.items():
        print(f"| {together} | {cpu_ms:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
