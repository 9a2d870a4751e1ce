"""`outreach-bot nlu predict|evaluate` as a person or a benchmark script runs them."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest

from outreach_bot.cli import nlu as cli
from outreach_bot.config import Settings

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "nlu" / "tiny.yml"


@pytest.fixture(name="settings")
def _settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", nlu_data=TINY)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_predict_answers_each_line_with_json(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each stdin line gets one JSON line with text, intent and a confidence in [0, 1]."""
    monkeypatch.setattr("sys.stdin", io.StringIO("wesh\nje cherche un taf\nSTOP\n"))
    assert await cli.predict(settings, backend="embedded", train=None) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == ["wesh", "je cherche un taf", "STOP"]
    assert [row["intent"] for row in rows] == ["greet", "find_job", "opt_out"]
    assert all(0.0 <= row["confidence"] <= 1.0 for row in rows)
    assert list((settings.var_dir / "nlu-cache").glob("embedded-*.pickle"))


async def test_evaluate_with_train_uses_that_data_only(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--train replaces nlu/data, and the report covers the intents of that data."""
    train = tmp_path / "train.yml"
    train.write_text(
        "nlu:\n- intent: weather\n  examples: |\n    - quel temps fait-il\n    - il pleut ?\n"
        "    - météo demain\n- intent: music\n  examples: |\n    - mets de la musique\n"
        "    - joue du rap\n    - lance une chanson\n",
        encoding="utf-8",
    )
    test = tmp_path / "test.yml"
    test.write_text(
        "nlu:\n- intent: weather\n  examples: |\n    - la météo de demain\n"
        "- intent: music\n  examples: |\n    - joue de la musique\n",
        encoding="utf-8",
    )
    assert await cli.evaluate(settings, test, backend="embedded", train=train) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "embedded"
    assert report["n"] == 2
    assert set(report["per_intent"]) <= {"weather", "music"}
    assert 0.0 <= report["accuracy"] <= 1.0
    assert report["train_seconds"] > 0


async def test_broken_training_data_fails_with_one_clear_line(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed --train file ends the command with an error naming the file, not a traceback."""
    broken = tmp_path / "broken.yml"
    broken.write_text("nlu:\n- intent: greet\n", encoding="utf-8")
    assert await cli.evaluate(settings, TINY, backend="embedded", train=broken) == 1
    assert "broken.yml" in capsys.readouterr().err


async def test_rasa_backend_does_not_silently_fall_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When Rasa is down, evaluating it fails instead of scoring the embedded classifier."""
    settings = Settings(
        var_dir=tmp_path / "var", rasa_url=f"http://127.0.0.1:{closed_port()}", rasa_timeout=1
    )
    assert await cli.evaluate(settings, TINY, backend="rasa", train=None) == 1
    assert "Rasa server did not answer" in capsys.readouterr().err


async def test_train_is_refused_for_rasa(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """--train cannot retrain a Rasa server, so asking for it is an error."""
    assert await cli.evaluate(settings, TINY, backend="rasa", train=TINY) == 1
    assert "--train" in capsys.readouterr().err
