"""Benchmark the NLU backends side by side on the same data, in one run.

Usage (from the repository root):

    .venv/bin/python benchmarks/nlu.py [--wikit DIR] [--backends embedded,baseline]
                                       [--datasets project,wikit] [--json FILE]

Data sets:
  project  train on nlu/data/, score on nlu/tests/ (our own held-out set)
  crisis   train on nlu/data/, score the bot's crisis decision (safety net + classifier
           ranking, dialogue/crisis.py) on benchmarks/crisis_set.yml: crisis messages
           said every way young people say them, and everyday messages that must raise
           no alarm. Printed as its own table: accuracy (crisis or not), crisis recall,
           false-alarm rate among everyday messages, and how often the first number
           given is the right one for the kind of crisis. Embedded backends only.
  wikit    train on DIR/train.yml, score on DIR/test.yml: the external Wikit
           benchmark (evaluation only: read DIR/SOURCE.md; never copy it into
           the project, never train the project's model on it). DIR defaults
           to ../shared/bench/wikit-nlu-french relative to the repository root.

Backends:
  embedded        the bot's classifier (TF-IDF + sentence embeddings + safety net)
  embedded-tfidf  the same without sentence embeddings, to show what they bring
  baseline        plain TF-IDF word 1-2 + char_wb 2-5 grams and a LinearSVC
  rasa            Rasa 3.6 with nlu/config.yml, trained on the same data and served by
                  scripts/rasa.sh (or an already running server given by --rasa-url)

Each (backend, data set) pair runs in its own subprocess so that its peak
resident memory is its own. Latency is measured one message at a time, as the
bot sees them: the embedded backends through ``await parse(text)``, end to end.
"CPU ms/msg" is the process's CPU time per message (all its threads), which a
loaded machine inflates far less than wall time; "train CPU s" likewise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from outreach_bot.core.conversation.crisis import crisis_clues, crisis_reading
from outreach_bot.dialogue.crisis import GENTLE, assess_crisis, text_kind
from outreach_bot.domain.fields import stated_age
from outreach_bot.nlu.data import data_files, load_examples
from outreach_bot.nlu.embedded import EmbeddedNlu
from outreach_bot.nlu.encoder import default_encoder
from outreach_bot.nlu.evaluation import evaluate
from outreach_bot.nlu.rasa_http import prediction_from_rasa

ROOT = Path(__file__).resolve().parents[1]
CRISIS_SET = ROOT / "benchmarks" / "crisis_set.yml"
DEFAULT_WIKIT = ROOT.parent / "shared" / "bench" / "wikit-nlu-french"
WARM_UP_MESSAGES = 20
CPU_SECONDS_PER_MESSAGE: list[float] = []


def dataset_paths(name: str, wikit: Path, crisis_set: Path = CRISIS_SET) -> tuple[Path, Path]:
    if name == "project":
        return ROOT / "nlu" / "data", ROOT / "nlu" / "tests"
    if name == "wikit":
        return wikit / "train.yml", wikit / "test.yml"
    if name == "crisis":
        return ROOT / "nlu" / "data", crisis_set
    raise SystemExit(f"unknown data set {name!r}")


def _family(kind: str) -> str:
    """The kind a crisis text answers: the gentle text is the suicide line's, the shelter
    texts by age are all "shelter"."""
    if kind == GENTLE:
        return "suicide"
    return kind.removesuffix("_minor").removesuffix("_adult")


def crisis_rankings(
    backend: EmbeddedNlu, texts: Sequence[str]
) -> list[tuple[tuple[str, float], ...]]:
    """The guesses the bot's crisis decision reads for each message, as the conversation
    gets them: a message naming a Meuse commune is classified without the name
    (core/conversation/crisis.py, ``crisis_reading``)."""
    rankings = [prediction.ranking for prediction in backend.predict(texts)]
    readings = [(at, crisis_reading(text)) for at, text in enumerate(texts)]
    named = [(at, reading) for at, reading in readings if reading]
    for (at, _), prediction in zip(named, backend.predict([r for _, r in named]), strict=True):
        rankings[at] = prediction.ranking
    for at, reading in readings:
        if reading == "":
            rankings[at] = ()  # the message was only a commune's name: nothing to guess on
    return rankings


def run_crisis(train: Path, test: Path, *, use_embeddings: bool) -> dict[str, Any]:
    """Score the bot's crisis decision, as the dialogue takes it, on the held-out set."""
    backend = EmbeddedNlu.train(load_examples(train), use_embeddings=use_embeddings)
    data = yaml.safe_load(test.read_text(encoding="utf-8"))
    items = [(item["text"], item["kind"]) for item in data["crisis"]]
    items += [(text, None) for text in data["not_crisis"]]
    rankings = crisis_rankings(backend, [text for text, _ in items])
    found = caught = right_kind = false_alarms = 0
    misses, alarms, wrong_kinds = [], [], []
    for (text, kind), ranking in zip(items, rankings, strict=True):
        call = assess_crisis(crisis_clues(text), ranking)
        if kind is None:
            if call is not None:
                false_alarms += 1
                alarms.append(text)
            continue
        found += 1
        if call is None:
            misses.append(text)
            continue
        caught += 1
        said = text_kind(call.kind, age=stated_age(text))
        if _family(said) == kind:
            right_kind += 1
        else:
            wrong_kinds.append(f"{kind} -> {said}: {text}")
    everyday = len(items) - found
    return {
        "n_crisis": found,
        "n_everyday": everyday,
        "accuracy": (caught + everyday - false_alarms) / len(items),
        "crisis_recall": caught / found,
        "false_alarm_rate": false_alarms / everyday,
        "right_first_number": right_kind / max(1, caught),
        "misses": misses,
        "false_alarms": alarms,
        "wrong_kinds": wrong_kinds,
    }


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
    cpu_started = time.thread_time()
    for text in texts:
        started = time.perf_counter()
        intents.append(predict_one(text))
        seconds.append(time.perf_counter() - started)
    # CPU time per message: unlike wall time, barely inflated when other
    # processes share the machine.
    CPU_SECONDS_PER_MESSAGE.append((time.thread_time() - cpu_started) / max(1, len(texts)))
    return intents, seconds


async def time_each_parse(
    backend: EmbeddedNlu, texts: Sequence[str]
) -> tuple[list[str], list[float]]:
    """Time ``await backend.parse(text)`` per message, the call the bot makes."""
    for text in texts[:WARM_UP_MESSAGES]:
        await backend.parse(text)
    intents, seconds = [], []
    # Process CPU time: parse() runs the model in a worker thread.
    cpu_started = time.process_time()
    for text in texts:
        started = time.perf_counter()
        intents.append((await backend.parse(text)).intent)
        seconds.append(time.perf_counter() - started)
    CPU_SECONDS_PER_MESSAGE.append((time.process_time() - cpu_started) / max(1, len(texts)))
    return intents, seconds


def run_embedded(train: Path, test: Path, *, use_embeddings: bool) -> dict[str, Any]:
    started = time.perf_counter()
    if use_embeddings:
        default_encoder()  # loaded once per process, at bot start-up
    load_seconds = time.perf_counter() - started
    training = load_examples(train)
    cpu_started = time.process_time()
    backend = EmbeddedNlu.train(training, use_embeddings=use_embeddings)
    train_cpu_seconds = time.process_time() - cpu_started
    examples = load_examples(test)
    intents, seconds = asyncio.run(time_each_parse(backend, [e.text for e in examples]))
    return {
        "predicted": intents,
        "gold": [e.intent for e in examples],
        "train_seconds": backend.train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
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
    """The Rasa column: train and serve Rasa here, or score a running server given by ``url``.

    A server given by URL must already run a model trained on ``train``; its training time
    and memory are then unknown.
    """
    if url is None:
        return run_rasa_trained(train, test)

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


# --- Rasa column -------------------------------------------------------------------------------
# Owned by the Rasa backend: trains a Rasa model on the same training data with nlu/config.yml,
# serves it with scripts/rasa.sh on a free loopback port, scores it through /model/parse the way
# the bot reads it (RasaNlu's mapping of nlu_fallback to the best real intent, so that both
# backends are scored on their top guess), and stops it. Needs the Rasa environment
# (scripts/rasa-env.sh; RASA_VENV overrides its place).

RASA_START_TIMEOUT = 300.0


def rasa_project(train: Path, workdir: Path) -> Path:
    """Lay out a throw-away Rasa NLU project: our config, the training data, its intents."""
    project = workdir / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(ROOT / "nlu" / "config.yml", project / "config.yml")
    for number, file in enumerate(data_files(train)):
        shutil.copy(file, project / "data" / f"{number:02d}-{file.name}")
    intents = sorted({example.intent for example in load_examples(train)})
    (project / "domain.yml").write_text(
        'version: "3.1"\n\nintents:\n' + "".join(f"  - {intent}\n" for intent in intents),
        encoding="utf-8",
    )
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def peak_rss_of(pid: int) -> float | None:
    """Peak resident memory of another process (VmHWM), in MB; None off Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def wait_for_rasa(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + RASA_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"rasa run exited:\n{log.read_text(encoding='utf-8')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/status", timeout=2) as response:  # noqa: S310
                if json.load(response).get("model_file"):
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"rasa run not ready after {RASA_START_TIMEOUT:.0f} s")


def run_rasa_trained(train: Path, test: Path) -> dict[str, Any]:
    """Train Rasa on ``train``, serve it, score ``test``; load_s is the server's start time."""
    venv = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
    if not (venv / "bin" / "rasa").is_file():
        raise SystemExit(f"no Rasa environment at {venv}: run scripts/rasa-env.sh")
    script = str(ROOT / "scripts" / "rasa.sh")
    with tempfile.TemporaryDirectory(prefix="rasa-bench-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "RASA_VENV": str(venv),
            "RASA_NLU_DIR": str(rasa_project(train, workdir)),
            "RASA_MODELS_DIR": str(workdir / "models"),
            "RASA_HOST": "127.0.0.1",
            "RASA_PORT": str(free_port()),
            # Rasa reuses cached training results across runs: measure a real training.
            "RASA_MAX_CACHE_SIZE": "0",
        }
        started = time.perf_counter()
        trained = subprocess.run(
            ["bash", script, "train"], env=env, capture_output=True, text=True, check=False
        )
        train_seconds = time.perf_counter() - started
        if trained.returncode != 0:
            raise SystemExit(f"rasa train failed:\n{trained.stderr[-3000:]}")
        env["RASA_MODEL"] = trained.stdout.strip().splitlines()[-1]
        url = f"http://127.0.0.1:{env['RASA_PORT']}"
        log = workdir / "run.log"
        started = time.perf_counter()
        with log.open("wb") as output:
            server = subprocess.Popen(
                ["bash", script, "run"],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_rasa(url, server, log)
            load_seconds = time.perf_counter() - started
            examples = load_examples(test)
            intents, seconds = time_each(
                lambda text: parse_with_rasa(url, text), [e.text for e in examples]
            )
            rss_mb = peak_rss_of(server.pid)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    return {
        "predicted": intents,
        "gold": [e.intent for e in examples],
        "train_seconds": train_seconds,
        "load_seconds": load_seconds,
        "latencies": seconds,
        "rss_mb": rss_mb,
    }


def parse_with_rasa(url: str, text: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        url + "/model/parse",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return prediction_from_rasa(json.load(response)).intent


def child(
    backend: str, dataset: str, wikit: Path, rasa_url: str | None, crisis_set: Path = CRISIS_SET
) -> None:
    """Run one (backend, data set) pair and print its figures as one JSON line."""
    train, test = dataset_paths(dataset, wikit, crisis_set)
    if dataset == "crisis":
        if backend not in {"embedded", "embedded-tfidf"}:
            raise SystemExit("the crisis data set scores the embedded backends only")
        row = run_crisis(train, test, use_embeddings=backend == "embedded")
        print(json.dumps({"backend": backend, "dataset": dataset, **row}))
        return
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
        "train_cpu_s": raw.get("train_cpu_seconds"),
        "load_s": raw["load_seconds"],
        "p50_ms": statistics.median(latencies_ms),
        "p99_ms": percentile(latencies_ms, 0.99),
        "cpu_ms": CPU_SECONDS_PER_MESSAGE[-1] * 1000 if backend != "rasa" else None,
        "rss_mb": raw.get("rss_mb") if backend == "rasa" else peak_rss_mb(),
    }
    print(json.dumps(row))


def fmt(value: Any, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = (
        "| data set | backend | n | accuracy | macro-F1 | crisis recall | train s | train CPU s"
        " | load s | p50 ms | p99 ms | CPU ms/msg | peak RSS MB |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for row in rows:
        print(
            f"| {row['dataset']} | {row['backend']} | {row['n_test']} | {fmt(row['accuracy'], 3)}"
            f" | {fmt(row['macro_f1'], 3)} | {fmt(row['crisis_recall'], 3)}"
            f" | {fmt(row['train_s'], 2)} | {fmt(row.get('train_cpu_s'), 2)}"
            f" | {fmt(row['load_s'], 2)} | {fmt(row['p50_ms'], 2)}"
            f" | {fmt(row['p99_ms'], 2)} | {fmt(row['cpu_ms'], 2)} | {fmt(row['rss_mb'], 0)} |"
        )


def print_crisis_table(rows: list[dict[str, Any]], *, details: bool) -> None:
    header = (
        "| backend | crisis n | everyday n | accuracy | crisis recall | false-alarm rate"
        " | right first number |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for row in rows:
        print(
            f"| {row['backend']} | {row['n_crisis']} | {row['n_everyday']}"
            f" | {fmt(row['accuracy'], 3)} | {fmt(row['crisis_recall'], 3)}"
            f" | {fmt(row['false_alarm_rate'], 3)} | {fmt(row['right_first_number'], 3)} |"
        )
        if details:
            for key in ("misses", "false_alarms", "wrong_kinds"):
                for text in row[key]:
                    print(f"  {key}: {text}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wikit", type=Path, default=DEFAULT_WIKIT, help="Wikit benchmark folder")
    parser.add_argument("--backends", default="embedded,embedded-tfidf,baseline")
    parser.add_argument("--datasets", default="project,wikit,crisis")
    parser.add_argument(
        "--rasa-url", default=None, help="running Rasa server, for --backends rasa"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    parser.add_argument(
        "--details", action="store_true", help="list the crisis set's misses and false alarms"
    )
    parser.add_argument(
        "--crisis-set", type=Path, default=CRISIS_SET, help="another crisis set (the dev set)"
    )
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "DATASET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.wikit, args.rasa_url, args.crisis_set)
        return 0
    rows, crisis_rows = [], []
    for dataset in args.datasets.split(","):
        train, test = dataset_paths(dataset, args.wikit, args.crisis_set)
        if not (train.exists() and test.exists()):
            print(f"skipping {dataset}: {train} or {test} is missing", file=sys.stderr)
            continue
        for backend in args.backends.split(","):
            if dataset == "crisis" and backend not in {"embedded", "embedded-tfidf"}:
                continue
            command = [sys.executable, __file__, "--child", backend, dataset]
            command += ["--wikit", str(args.wikit), "--crisis-set", str(args.crisis_set)]
            if args.rasa_url:
                command += ["--rasa-url", args.rasa_url]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{backend} on {dataset} failed:\n{done.stderr}", file=sys.stderr)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            (crisis_rows if dataset == "crisis" else rows).append(row)
            print(f"done: {backend} on {dataset}", file=sys.stderr)
    if rows:
        print_table(rows)
    if crisis_rows:
        print(f"\nCrisis decision on {args.crisis_set}:\n")
        print_crisis_table(crisis_rows, details=args.details)
    print(f"\nload average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps(rows + crisis_rows, indent=2) + "\n", encoding="utf-8")
    return 0 if rows or crisis_rows else 1


if __name__ == "__main__":
    sys.exit(main())
