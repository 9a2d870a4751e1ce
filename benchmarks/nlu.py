"""Benchmark the NLU backends side by side on the same data, in one run.

Usage (from the repository root):

    .venv/bin/python benchmarks/nlu.py [--wikit DIR] [--backends embedded,baseline]
                                       [--datasets project,wikit] [--json FILE]

Data sets:
  project  train on nlu/data/, score on nlu/tests/ (our own held-out set)
  wikit    train on DIR/train.yml, score on DIR/test.yml: the external Wikit
           benchmark (evaluation only: read DIR/SOURCE.md; never copy it into
           the project, never train the project's model on it). DIR defaults
           to ../shared/bench/wikit-nlu-french relative to the repository root.

Backends:
  embedded        the bot's classifier (TF-IDF + sentence embeddings + safety net)
  embedded-tfidf  the same without sentence embeddings, to show what they bring
  baseline        plain TF-IDF word 1-2 + char_wb 2-5 grams and a LinearSVC
  rasa            a running Rasa server's /model/parse (hook, see run_rasa)

Each (backend, data set) pair runs in its own subprocess so that its peak
resident memory is its own. Latency is measured one message at a time, as the
bot sees them.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from outreach_bot.nlu.data import load_examples
from outreach_bot.nlu.embedded import EmbeddedNlu
from outreach_bot.nlu.encoder import default_encoder
from outreach_bot.nlu.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WIKIT = ROOT.parent / "shared" / "bench" / "wikit-nlu-french"
WARM_UP_MESSAGES = 20


def dataset_paths(name: str, wikit: Path) -> tuple[Path, Path]:
    if name == "project":
        return ROOT / "nlu" / "data", ROOT / "nlu" / "tests"
    if name == "wikit":
        return wikit / "train.yml", wikit / "test.yml"
    raise SystemExit(f"unknown data set {name!r}")


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def time_each(
    predict_one: Callable[[str], str], texts: Sequence[str]
) -> tuple[list[str], list[float]]:
    for text in texts[:WARM_UP_MESSAGES]:
        predict_one(text)
    intents, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        intents.append(predict_one(text))
        seconds.append(time.perf_counter() - started)
    return intents, seconds


def run_embedded(train: Path, test: Path, *, use_embeddings: bool) -> dict[str, Any]:
    started = time.perf_counter()
    if use_embeddings:
        default_encoder()  # loaded once per process, at bot start-up
    load_seconds = time.perf_counter() - started
    backend = EmbeddedNlu.train(load_examples(train), use_embeddings=use_embeddings)
    examples = load_examples(test)
    intents, seconds = time_each(
        lambda text: backend.predict([text])[0].intent, [e.text for e in examples]
    )
    return {
        "predicted": intents,
        "gold": [e.intent for e in examples],
        "train_seconds": backend.train_seconds,
        "load_seconds": load_seconds,
        "latencies": seconds,
    }


def run_baseline(train: Path, test: Path) -> dict[str, Any]:
    training = load_examples(train)
    model = make_pipeline(
        FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        ),
        LinearSVC(),
    )
    started = time.perf_counter()
    model.fit([e.text for e in training], [e.intent for e in training])
    train_seconds = time.perf_counter() - started
    examples = load_examples(test)
    intents, seconds = time_each(
        lambda text: str(model.predict([text])[0]), [e.text for e in examples]
    )
    return {
        "predicted": intents,
        "gold": [e.intent for e in examples],
        "train_seconds": train_seconds,
        "load_seconds": 0.0,
        "latencies": seconds,
    }


def run_rasa(train: Path, test: Path, *, url: str | None) -> dict[str, Any]:
    """Hook for the Rasa column: score a running Rasa server on ``test``.

    Still to do by whoever owns the Rasa backend: train a Rasa model on
    ``train`` (``rasa train nlu`` in the Rasa environment), start
    ``rasa run --enable-api`` with it, pass its URL here, and report the
    training time and the server's resident memory (its process, not this
    one). Until then the server must already run a model trained on ``train``.
    """
    if url is None:
        raise SystemExit("the rasa backend needs --rasa-url of a server trained on " + str(train))

    if not url.startswith(("http://", "https://")):
        raise SystemExit("--rasa-url must be an http(s) URL")

    def parse(text: str) -> str:
        # The scheme is checked above; the server is the user's own.
        request = urllib.request.Request(  # noqa: S310
            url.rstrip("/") + "/model/parse",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = json.load(response)
        return str((body.get("intent") or {}).get("name") or "")

    examples = load_examples(test)
    intents, seconds = time_each(parse, [e.text for e in examples])
    return {
        "predicted": intents,
        "gold": [e.intent for e in examples],
        "train_seconds": None,
        "load_seconds": None,
        "latencies": seconds,
    }


def child(backend: str, dataset: str, wikit: Path, rasa_url: str | None) -> None:
    """Run one (backend, data set) pair and print its figures as one JSON line."""
    train, test = dataset_paths(dataset, wikit)
    if backend == "embedded":
        raw = run_embedded(train, test, use_embeddings=True)
    elif backend == "embedded-tfidf":
        raw = run_embedded(train, test, use_embeddings=False)
    elif backend == "baseline":
        raw = run_baseline(train, test)
    elif backend == "rasa":
        raw = run_rasa(train, test, url=rasa_url)
    else:
        raise SystemExit(f"unknown backend {backend!r}")
    report = evaluate(raw["predicted"], raw["gold"], train_seconds=raw["train_seconds"])
    latencies_ms = [seconds * 1000 for seconds in raw["latencies"]]
    row = {
        "backend": backend,
        "dataset": dataset,
        "n_test": report["n"],
        "accuracy": report["accuracy"],
        "macro_f1": report["macro_f1"],
        "crisis_recall": report.get("crisis_recall"),
        "train_s": raw["train_seconds"],
        "load_s": raw["load_seconds"],
        "p50_ms": statistics.median(latencies_ms),
        "p99_ms": percentile(latencies_ms, 0.99),
        "rss_mb": peak_rss_mb() if backend != "rasa" else None,
    }
    print(json.dumps(row))


def fmt(value: Any, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        "| data set | backend | n | accuracy | macro-F1 | crisis recall | train s | load s"
        " | p50 ms | p99 ms | peak RSS MB |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for row in rows:
        print(
            f"| {row['dataset']} | {row['backend']} | {row['n_test']} | {fmt(row['accuracy'], 3)}"
            f" | {fmt(row['macro_f1'], 3)} | {fmt(row['crisis_recall'], 3)}"
            f" | {fmt(row['train_s'], 2)} | {fmt(row['load_s'], 2)} | {fmt(row['p50_ms'], 2)}"
            f" | {fmt(row['p99_ms'], 2)} | {fmt(row['rss_mb'], 0)} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wikit", type=Path, default=DEFAULT_WIKIT, help="Wikit benchmark folder")
    parser.add_argument("--backends", default="embedded,embedded-tfidf,baseline")
    parser.add_argument("--datasets", default="project,wikit")
    parser.add_argument(
        "--rasa-url", default=None, help="running Rasa server, for --backends rasa"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "DATASET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.wikit, args.rasa_url)
        return 0
    rows = []
    for dataset in args.datasets.split(","):
        train, test = dataset_paths(dataset, args.wikit)
        if not (train.exists() and test.exists()):
            print(f"skipping {dataset}: {train} or {test} is missing", file=sys.stderr)
            continue
        for backend in args.backends.split(","):
            command = [sys.executable, __file__, "--child", backend, dataset]
            command += ["--wikit", str(args.wikit)]
            if args.rasa_url:
                command += ["--rasa-url", args.rasa_url]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{backend} on {dataset} failed:\n{done.stderr}", file=sys.stderr)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"done: {backend} on {dataset}", file=sys.stderr)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
