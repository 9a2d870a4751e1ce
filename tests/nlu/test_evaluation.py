"""The evaluation report and the line-by-line predictions behind `outreach-bot nlu ...`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outreach_bot.nlu.base import Prediction
from outreach_bot.nlu.evaluation import evaluate, evaluate_file, predict_lines


class KeywordNlu:
    """A stand-in backend: "greet" for messages containing "salut", "crisis" for "mourir"."""

    name = "keyword"

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def parse(self, text: str) -> Prediction:
        self.seen.append(text)
        if "mourir" in text:
            return Prediction("crisis", 0.9, self.name)
        if "salut" in text:
            return Prediction("greet", 0.8, self.name)
        return Prediction("out_of_scope", 0.3, self.name)


def test_report_figures_on_a_handmade_example() -> None:
    """Accuracy, per-intent precision/recall/F1 and macro F1 match a hand computation."""
    gold = ["greet", "greet", "crisis", "crisis", "thanks"]
    predicted = ["greet", "thanks", "crisis", "greet", "thanks"]
    report = evaluate(predicted, gold, train_seconds=1.23456)
    assert report["n"] == 5
    assert report["accuracy"] == 0.6
    # greet: 1 right of 2 guessed, 1 of 2 true -> P = R = F1 = 0.5
    assert report["per_intent"]["greet"] == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
    }
    # crisis: P = 1/1, R = 1/2, F1 = 2/3; thanks: P = 1/2, R = 1/1, F1 = 2/3
    assert report["per_intent"]["crisis"]["f1"] == 0.6667
    assert report["per_intent"]["thanks"]["precision"] == 0.5
    assert report["macro_f1"] == round((0.5 + 2 / 3 + 2 / 3) / 3, 4)
    assert report["crisis_recall"] == 0.5
    assert report["train_seconds"] == 1.235
    assert {"gold": "crisis", "predicted": "greet", "count": 1} in report["confusions"]
    json.dumps(report)


def test_an_invented_intent_counts_against_macro_f1() -> None:
    """An intent predicted but absent from the gold data appears with zero scores."""
    report = evaluate([Prediction("deny", 0.5), Prediction("greet", 0.9)], ["greet", "greet"])
    assert report["per_intent"]["deny"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }
    assert report["macro_f1"] == round((0.0 + 2 / 3) / 2, 4)
    assert "crisis_recall" not in report
    assert "train_seconds" not in report


def test_mismatched_lengths_are_refused() -> None:
    """Scoring three predictions against two answers is a bug, not a low score."""
    with pytest.raises(ValueError, match="3 predictions for 2"):
        evaluate(["a", "b", "c"], ["a", "b"])


async def test_predict_lines_follows_the_cli_contract() -> None:
    """One JSON-ready object per input line, blank lines included, with intent and confidence."""
    backend = KeywordNlu()
    rows = await predict_lines(backend, ["salut toi\n", "\n", "jveux mourir\r\n"])
    assert rows == [
        {"text": "salut toi", "intent": "greet", "confidence": 0.8},
        {"text": "", "intent": "out_of_scope", "confidence": 0.3},
        {"text": "jveux mourir", "intent": "crisis", "confidence": 0.9},
    ]
    assert backend.seen == ["salut toi", "", "jveux mourir"]


async def test_evaluate_file_scores_a_backend_on_rasa_yaml(tmp_path: Path) -> None:
    """`nlu evaluate FILE` reads Rasa YAML and reports the backend's name and scores."""
    file = tmp_path / "test.yml"
    file.write_text(
        "nlu:\n- intent: greet\n  examples: |\n    - salut\n    - wesh\n"
        "- intent: crisis\n  examples: |\n    - je veux mourir\n",
        encoding="utf-8",
    )
    report = await evaluate_file(KeywordNlu(), file)
    assert report["backend"] == "keyword"
    assert report["accuracy"] == round(2 / 3, 4)
    assert report["crisis_recall"] == 1.0
    assert report["per_intent"]["greet"]["support"] == 2
