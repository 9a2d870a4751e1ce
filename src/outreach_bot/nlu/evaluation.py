"""Scoring any NLU backend on held-out data, for `outreach-bot nlu predict|evaluate`.

The same functions serve the embedded classifier and the Rasa backend, so the
two are always compared with the same arithmetic. The CLI glue is:

.. code-block:: python

    backend = EmbeddedNlu.from_path(args.train or settings.nlu_data, cache_dir=None)
    for row in await predict_lines(backend, sys.stdin):        # nlu predict
        print(json.dumps(row, ensure_ascii=False))
    report = await evaluate_file(backend, Path(args.file))     # nlu evaluate
    print(json.dumps(report, ensure_ascii=False, indent=2))

:mod:`outreach_bot.cli.nlu` does exactly this for ``outreach-bot nlu``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.nlu.data import load_examples
from outreach_bot.nlu.embedded import EmbeddedNlu

logger = logging.getLogger(__name__)

CRISIS_INTENT: Final = "crisis"
# Enough parallel requests to hide a Rasa server's round trip, few enough not to overload it.
_CONCURRENT_PARSES: Final = 8
_CONFUSIONS_LISTED: Final = 20


async def predict_texts(backend: NluBackend, texts: Sequence[str]) -> list[Prediction]:
    """Classify ``texts`` in order, in one batch when the backend can.

    The embedded classifier gets one batch, run in a worker thread; other
    backends are parsed message by message, a few at a time.
    """
    if isinstance(backend, EmbeddedNlu):
        return await asyncio.to_thread(backend.predict, list(texts))
    limit = asyncio.Semaphore(_CONCURRENT_PARSES)

    async def parse(text: str) -> Prediction:
        async with limit:
            return await backend.parse(text)

    return list(await asyncio.gather(*(parse(text) for text in texts)))


async def predict_lines(backend: NluBackend, lines: Iterable[str]) -> list[dict[str, Any]]:
    """Classify one message per line, the `nlu predict` contract.

    Trailing newlines are dropped. Blank lines are classified too, so that
    output line N always answers input line N.

    Returns:
        One ``{"text", "intent", "confidence"}`` dict per line, in order.
    """
    texts = [line.rstrip("\r\n") for line in lines]
    predictions = await predict_texts(backend, texts)
    return [
        {"text": text, "intent": p.intent, "confidence": round(p.confidence, 4)}
        for text, p in zip(texts, predictions, strict=True)
    ]


async def evaluate_file(
    backend: NluBackend, path: Path, *, train_seconds: float | None = None
) -> dict[str, Any]:
    """Score ``backend`` on a Rasa NLU YAML file or folder, the `nlu evaluate` contract.

    ``train_seconds`` defaults to the embedded classifier's own training time.

    Raises:
        NluDataError: the file cannot be read.
    """
    examples = load_examples(path)
    predictions = await predict_texts(backend, [example.text for example in examples])
    if train_seconds is None and isinstance(backend, EmbeddedNlu):
        train_seconds = backend.train_seconds
    report = evaluate(
        [prediction.intent for prediction in predictions],
        [example.intent for example in examples],
        train_seconds=train_seconds,
    )
    report["backend"] = backend.name
    return report


def evaluate(
    predicted: Sequence[str | Prediction],
    gold: Sequence[str],
    *,
    train_seconds: float | None = None,
) -> dict[str, Any]:
    """Compare predicted intents with the true ones.

    Per-intent scores cover every intent seen in ``gold`` or ``predicted``
    (as scikit-learn and Rasa do), so an intent the model invents counts
    against the macro F1.

    Returns:
        ``n``, ``accuracy``, ``macro_f1``, ``per_intent`` (``precision``,
        ``recall``, ``f1``, ``support``), the most frequent ``confusions``,
        ``crisis_recall`` when the gold data has crisis messages, and
        ``train_seconds`` when known.

    Raises:
        ValueError: the two sequences differ in length.
    """
    labels = [p.intent if isinstance(p, Prediction) else p for p in predicted]
    if len(labels) != len(gold):
        raise ValueError(f"{len(labels)} predictions for {len(gold)} gold labels")
    pairs = list(zip(gold, labels, strict=True))
    n = len(pairs)
    hits = Counter(truth for truth, guess in pairs if truth == guess)
    support = Counter(gold)
    guessed = Counter(labels)
    per_intent: dict[str, dict[str, float | int]] = {}
    for intent in sorted(support.keys() | guessed.keys()):
        precision = _ratio(hits[intent], guessed[intent])
        recall = _ratio(hits[intent], support[intent])
        f1 = _ratio(2 * precision * recall, precision + recall)
        per_intent[intent] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support[intent],
        }
    macro_f1 = _ratio(sum(scores["f1"] for scores in per_intent.values()), len(per_intent))
    confusions = Counter((truth, guess) for truth, guess in pairs if truth != guess)
    report: dict[str, Any] = {
        "n": n,
        "accuracy": round(_ratio(sum(hits.values()), n), 4),
        "macro_f1": round(macro_f1, 4),
        "per_intent": per_intent,
        "confusions": [
            {"gold": truth, "predicted": guess, "count": count}
            for (truth, guess), count in confusions.most_common(_CONFUSIONS_LISTED)
        ],
    }
    if support[CRISIS_INTENT]:
        report["crisis_recall"] = per_intent[CRISIS_INTENT]["recall"]
    if train_seconds is not None:
        report["train_seconds"] = round(train_seconds, 3)
    return report


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0
