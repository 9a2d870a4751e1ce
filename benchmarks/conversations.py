"""Play the conversation test set through the real REST webhook and print the pass rate.

Usage (from the repository root):

    .venv/bin/python benchmarks/conversations.py [--category NAME] [--failures] [--json FILE]

The set lives in tests/conversations/*.yml (multi-turn exchanges in young people's register,
each turn with what a young person would call a right answer; see
tests/conversations/harness.py for the checks). The bot runs as in production: the embedded
classifier trained on nlu/data, the bot/ texts, a fresh SQLite database, the aiohttp server on
a loopback port, one HTTP request per message. Prints a Markdown table of the pass rate per
category; ``--failures`` also lists each failed case with the turn that failed and what the
bot said.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conversations.harness import HERE, load_cases, report, run_set  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", action="append", help="only these categories")
    parser.add_argument("--failures", action="store_true", help="list the failed cases")
    parser.add_argument("--json", type=Path, help="also write each case's result here")
    args = parser.parse_args(argv)
    cases = load_cases(HERE.glob("*.yml"))
    if args.category:
        cases = [case for case in cases if case.category in args.category]
    with tempfile.TemporaryDirectory(prefix="conversations-") as tmp:
        workdir = Path(tmp)
        # The classifier's cache survives between runs, under the project's var/.
        (workdir / "var").symlink_to(ROOT / "var", target_is_directory=True)
        results = asyncio.run(run_set(cases, workdir=workdir))
    if args.failures:
        for result in results:
            if not result.passed:
                print(f"- {result.case.category}/{result.case.id}")
                for line in result.failures:
                    print(f"    {line}")
        print()
    print(report(results))
    if args.json:
        rows = [
            {"id": r.case.id, "category": r.case.category, "passed": r.passed, "why": r.failures}
            for r in results
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
